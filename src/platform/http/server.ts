// Every HTTP server of Tessera starts here: request ids, JSON logs, zod schemas as validation and
// OpenAPI, security headers, and one error handler. It never listens (see listen.ts).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import {
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import helmet from 'helmet';
import type { Logger } from '../log.ts';
import { toHttpError } from './errors.ts';

export type HttpOptions = {
  log: Logger;
  /** CIDRs of proxies whose X-Forwarded-For is believed; none by default. */
  trustProxy: readonly string[];
  bodyLimit?: number;
};

const requestIdPattern = /^[A-Za-z0-9._-]{1,100}$/;

// helmet's headers depend on its options alone: worked out once here and set on every answer.
// (@fastify/helmet runs helmet anew for every request: a tenth of a bare request's CPU.)
const securityHeaders = headersSetBy(
  helmet({
    contentSecurityPolicy: {
      directives: { 'img-src': ["'self'", 'data:'], 'style-src': ["'self'", "'unsafe-inline'"] },
    },
  }),
);

export function createHttpApp(options: HttpOptions) {
  const app = Fastify({
    loggerInstance: options.log as FastifyBaseLogger,
    trustProxy: options.trustProxy.length > 0 ? [...options.trustProxy] : false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // A caller's request id is kept when it looks like one, so it can be followed across services.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.setErrorHandler((error, request, reply) => {
    const http = toHttpError(error);
    if (http.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: http.code, status: http.status }, 'request refused');
    return reply.status(http.status).send({ ...http, status: undefined, requestId: request.id });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      code: 'not_found',
      message: `No such route: ${request.method} ${request.url.split('?')[0]}`,
      requestId: request.id,
    }),
  );
  return app;
}

export type HttpApp = ReturnType<typeof createHttpApp>;

/** The headers a connect-style middleware sets on a response, e.g. helmet's. */
function headersSetBy(
  middleware: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, (error) => {
    if (error) throw error;
  });
  return headers;
}
