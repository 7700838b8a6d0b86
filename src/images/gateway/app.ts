// The gateway: the single entry point for every API. It authenticates each request (a browser
// session or an API key), applies the principal's network limits, scopes and rate limit, and passes
// the request on to its upstream with the principal in a signed header, which the upstream trusts
// only with a valid signature. Access logs, metrics, health and readiness are here too.

import { finished, Readable, Transform } from 'node:stream';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import httpProxy from '@fastify/http-proxy';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import { contains, networkList } from '../../platform/http/allow-list.ts';
import { createHttpApp } from '../../platform/http/server.ts';
import type { Logger } from '../../platform/log.ts';
import {
  principalHeader,
  type SignedRequest,
  signatureHeader,
  signPrincipal,
} from '../principal.ts';
import { authRoutes, sessionCookie } from './auth.ts';
import {
  type Balancer,
  type BalanceSettings,
  createBalancer,
  failedToConnect,
  type InstancePool,
  replayableBody,
} from './balancer.ts';
import { type KeyCache, verifyKey } from './key-cache.ts';
import { createMetrics, type GatewayMetrics } from './metrics.ts';
import { type Caller, findSession, type Scope } from './principals.ts';
import type { SignInSettings } from './sign-in.ts';

/**
 * An API behind the gateway, served by one or more instances (`urls`, taken in turn); `audience`
 * names it in the principal header and derives its key.
 */
export type Upstream = {
  prefix: string;
  urls: readonly string[];
  rewritePrefix: string;
  audience: string;
};

export type GatewayDeps = {
  db: Pool;
  log: Logger;
  /** Routes to the APIs behind the gateway: the image API now, others from configuration. */
  upstreams: Upstream[];
  /** The secret each upstream's key for the principal header is derived from (principalKey). */
  secret: string;
  /** Requests per minute per principal (and per address, for requests without one). */
  rateLimit: number;
  /** Counters shared by several gateways (ioredis); in memory without it. */
  redis?: import('ioredis').Redis | undefined;
  /** Largest request body, in bytes. */
  bodyLimit: number;
  /** Origins allowed to call from a browser (the web app's). */
  corsOrigins: readonly string[];
  trustProxy: readonly string[];
  /** Upstream time limit, in milliseconds. */
  timeout: number;
  /** The built web app to serve at /, if any. */
  webRoot?: string | undefined;
  /** A session's longest life and longest idle time, in ms. */
  session: { lifetime: number; idle: number };
  /** Failed sign-ins per account before it is locked, and the locks. */
  signIn: SignInSettings;
  /** Verified API keys, trusted while revocations are heard (key-revocations.ts); none without. */
  keyCache?: KeyCache | undefined;
  /** How long a failed upstream instance is left out, and how often instances are checked. */
  balance: BalanceSettings;
};

/** Sign-up, sign-in, sign-out and every other route open to anyone take small bodies only. */
export const openBodyLimit = 16 * 1024;

/**
 * How much of a request body is kept to send it again to another instance when the first refused
 * the connection. Before a connection is made the proxy reads no more than its buffers hold (tens
 * of KB), so this bounds memory only.
 */
const replayLimit = 1024 * 1024;

const callers = new WeakMap<object, Caller>();
export const callerOf = (request: FastifyRequest) => callers.get(request.raw);

export async function buildGateway(deps: GatewayDeps) {
  const app = createHttpApp({
    log: deps.log,
    trustProxy: deps.trustProxy,
    bodyLimit: deps.bodyLimit,
  });
  const metrics = createMetrics();
  const balance = deps.balance;
  const pools = new Map<string, InstancePool>();
  const balancer = createBalancer(balance, (url, up) => {
    app.log[up ? 'info' : 'warn'](
      { instance: url },
      up ? 'upstream instance up' : 'upstream instance down',
    );
    for (const [prefix, pool] of pools)
      if (pool.urls.includes(url)) metrics.instancesUp.set({ upstream: prefix }, pool.upCount());
  });
  for (const upstream of deps.upstreams) {
    pools.set(upstream.prefix, balancer.pool(upstream.urls));
    metrics.instancesUp.set({ upstream: upstream.prefix }, upstream.urls.length);
  }
  balancer.start();
  app.addHook('onClose', async () => balancer.stop());
  await app.register(cookie);
  await app.register(cors, {
    origin: [...deps.corsOrigins],
    credentials: true,
    // tus continues an upload with PATCH; an owner deletes with DELETE.
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'x-request-id',
      'x-tessera-csrf',
      'tus-resumable',
      'upload-length',
      'upload-offset',
      'upload-metadata',
      'upload-defer-length',
      'upload-concat',
    ],
    exposedHeaders: [
      'x-request-id',
      'location',
      'upload-offset',
      'upload-length',
      'tus-resumable',
      'tessera-image-id',
      'tessera-duplicate',
      'retry-after',
    ],
  });
  await app.register(rateLimit, {
    max: deps.rateLimit,
    timeWindow: '1 minute',
    ...(deps.redis ? { redis: deps.redis, nameSpace: 'tessera-gateway-rate:' } : {}),
    keyGenerator: (request) => {
      const caller = callers.get(request.raw);
      return caller ? `principal:${caller.principalId}` : `address:${request.ip}`;
    },
    onExceeded: () => metrics.rateLimited.inc(),
    errorResponseBuilder: (request, context) => ({
      statusCode: 429,
      code: 'rate_limited',
      message: `Too many requests: the limit is ${context.max} a minute. Try again in ${Math.ceil(context.ttl / 1000)} s.`,
      requestId: request.id,
    }),
  });
  // A wrong key or session counts against the caller's address in that same limit, as any request
  // without a principal does: otherwise keys could be guessed at full speed.
  const countRequest = app.rateLimit();
  app.addHook('onRequest', async (request, reply) => {
    (request as { startedAt?: bigint }).startedAt = process.hrtime.bigint();
    // The proxy streams bodies past Fastify's own limit, so the gateway checks what is declared
    // here and counts what is not (chunked) as it passes (capBody).
    if (Number(request.headers['content-length'] ?? 0) > deps.bodyLimit)
      throw bodyTooLarge(deps.bodyLimit);
    if (isOpen(request)) return;
    const caller = await authenticate(deps, request, metrics).catch(async (error: unknown) => {
      if (error instanceof AppError && error.status === 401)
        await countRequest.call(app, request, reply);
      throw error;
    });
    if (caller.cidrs.length > 0 && !contains(networkList(caller.cidrs), request.ip)) {
      throw new AppError(
        'address_not_allowed',
        403,
        'Your credentials are not allowed from this network.',
      );
    }
    callers.set(request.raw, caller);
  });
  // An open route's body is cut off past openBodyLimit, declared or streamed.
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (!isOpen(request)) return payload;
    if (Number(request.headers['content-length'] ?? 0) > openBodyLimit) throw openBodyTooLarge();
    return payload.pipe(limitStream(openBodyLimit, openBodyTooLarge));
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    const started = (request as { startedAt?: bigint }).startedAt;
    if (started)
      metrics.latency.observe(
        { route, method: request.method },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
  });

  app.get('/healthz', { config: { open: true } }, async () => ({ ok: true }));
  app.get('/readyz', { config: { open: true } }, async (_request, reply) => {
    const { problems, upstreams } = await readiness(deps, balancer, pools);
    return reply
      .status(problems.length === 0 ? 200 : 503)
      .send({ ready: problems.length === 0, problems, upstreams });
  });
  app.get('/metrics', { config: { open: true } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  authRoutes(app, deps);

  for (const upstream of deps.upstreams) {
    const pool = pools.get(upstream.prefix) as InstancePool;
    await app.register(httpProxy, {
      // No fixed upstream: each attempt names its instance (getUpstream below), and undici keeps
      // a kept-alive pool per instance. undici costs less CPU per request than node:http.
      upstream: '',
      prefix: upstream.prefix,
      rewritePrefix: upstream.rewritePrefix,
      undici: { headersTimeout: deps.timeout, bodyTimeout: deps.timeout },
      preHandler: async (request) => {
        requireScope(request, scopeFor(request.method, upstream.prefix));
        capBody(request, deps.bodyLimit);
      },
      handler: (request, reply, dest, options) => {
        const body =
          request.body instanceof Readable ? replayableBody(request.body, replayLimit) : undefined;
        const tried = new Set<string>();
        // One attempt on the next instance up. Only an attempt that never connected is made
        // again elsewhere: a request any instance may have received is never sent twice.
        const attempt = (): FastifyReply => {
          const instance = pool.pick(tried);
          if (!instance) return noInstance(reply, upstream, pool, balance, body !== undefined);
          const sending = body?.attempt();
          if (body && !sending)
            return answerFailure(reply, new Error('the body was not kept to be sent again'));
          tried.add(instance);
          if (sending) request.body = sending;
          // The principal is signed for the request exactly as this instance will receive it: the
          // path after the rewrite, resolved against it as @fastify/reply-from resolves it (dot
          // segments go), and the query as the client sent it.
          const query = request.url.indexOf('?');
          const signed: SignedRequest = {
            method: request.method,
            url: new URL(dest, instance).pathname + (query > 0 ? request.url.slice(query) : ''),
            audience: upstream.audience,
          };
          let failed = false;
          return reply.from(dest, {
            ...options,
            getUpstream: () => instance,
            rewriteRequestHeaders: (_request, headers) =>
              forwardHeaders(deps, request, headers, signed),
            onError: (_reply, { error }) => {
              // reply-from may report one failure twice (the request and its body pipeline).
              if (failed) return;
              failed = true;
              if (failedToConnect(error)) {
                balancer.markDown(instance);
                request.log.warn({ instance }, 'upstream instance refused; trying the next');
                attempt();
                return;
              }
              answerFailure(reply, error);
            },
          });
        };
        return attempt();
      },
      replyOptions: {
        getUpstream: () => upstream.urls[0] as string,
        // CORS is the gateway's answer alone: an upstream's own (tus answers '*') is dropped.
        rewriteHeaders: (headers) =>
          Object.fromEntries(
            Object.entries(headers).filter(([name]) => !name.startsWith('access-control-')),
          ),
      },
    });

    function answerFailure(reply: FastifyReply, error: unknown) {
      if (overLimit.has(reply.request.raw)) {
        const refusal = bodyTooLarge(deps.bodyLimit);
        // The rest of the body is never read: the connection cannot carry another request.
        return reply
          .status(refusal.status)
          .header('connection', 'close')
          .send({ code: refusal.code, message: refusal.message, requestId: reply.request.id });
      }
      metrics.upstreamErrors.inc({ upstream: upstream.prefix });
      reply.request.log.error({ err: error }, 'upstream failed');
      const timedOut = /timeout/i.test(String((error as Error)?.message ?? error));
      return reply.status(timedOut ? 504 : 502).send({
        code: timedOut ? 'upstream_timeout' : 'upstream_unavailable',
        message: timedOut
          ? 'The service took too long to answer.'
          : 'The service behind the gateway is not answering.',
        requestId: reply.request.id,
      });
    }
  }
  if (deps.webRoot) await app.register(fastifyStatic, { root: deps.webRoot, prefix: '/' });
  return Object.assign(app, { metrics });
}

/**
 * Routes anyone may reach: health, metrics, sign-up and sign-in, the web app's files, and no route
 * at all (the 404 answer). Decided on the route Fastify matched, never on the text of the URL:
 * `/%61pi/images` is the route `/api/images` and meets the same checks.
 */
function isOpen(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  return (
    request.routeOptions.config?.open === true || route === undefined || !route.startsWith('/api/')
  );
}

function forwardHeaders(
  deps: GatewayDeps,
  request: FastifyRequest,
  headers: Record<string, string | string[] | undefined>,
  signed: SignedRequest,
) {
  const caller = callers.get(request.raw);
  const clean = { ...headers };
  // Whatever a client sent as the principal is dropped; only the gateway's own goes on.
  delete clean[principalHeader];
  delete clean[signatureHeader];
  delete clean.cookie;
  delete clean.authorization;
  return {
    ...clean,
    'x-request-id': request.id,
    'x-forwarded-prefix': '/api',
    'x-forwarded-host': request.headers.host ?? '',
    'x-forwarded-proto': request.protocol,
    ...(caller
      ? signPrincipal({ id: caller.principalId, role: caller.role }, deps.secret, signed)
      : {}),
  };
}

async function authenticate(
  deps: GatewayDeps,
  request: FastifyRequest,
  metrics: GatewayMetrics,
): Promise<Caller> {
  const header = request.headers.authorization;
  if (header) {
    const key = /^Bearer (\S+)$/.exec(header)?.[1];
    const verified = key ? await verifyKey(deps.db, deps.keyCache, key) : undefined;
    if (verified) metrics.keyLookups.inc({ result: verified.lookup });
    const caller = verified?.caller;
    if (!caller)
      throw new AppError(
        'bad_credentials',
        401,
        'The API key is not valid (wrong, revoked, or its principal is disabled).',
      );
    return caller;
  }
  const token = request.cookies[sessionCookie];
  const caller = token ? await findSession(deps.db, token, deps.session.idle) : null;
  if (!caller)
    throw new AppError(
      'no_credentials',
      401,
      'Sign in, or send an API key as Authorization: Bearer <key>.',
    );
  if (!['GET', 'HEAD', 'OPTIONS'].includes(request.method) && !request.headers['x-tessera-csrf']) {
    // Browsers send this custom header only from an origin CORS allows: a forged form cannot.
    throw new AppError(
      'csrf',
      403,
      'A change from a browser must carry the x-tessera-csrf header.',
    );
  }
  return caller;
}

export function requireScope(request: FastifyRequest, scope: Scope): void {
  const caller = callers.get(request.raw);
  if (!caller)
    throw new AppError(
      'no_credentials',
      401,
      'Sign in, or send an API key as Authorization: Bearer <key>.',
    );
  if (!caller.scopes.includes(scope))
    throw new AppError('wrong_scope', 403, `This key lacks the ${scope} scope.`);
  if (scope === 'images:write' && caller.role === 'analyst')
    throw new AppError(
      'forbidden',
      403,
      'Analysts read images; they do not upload or delete them.',
    );
}

const overLimit = new WeakSet<object>();

function bodyTooLarge(limit: number): AppError {
  return new AppError(
    'body_too_large',
    413,
    `The request body is larger than the gateway's limit of ${Math.floor(limit / 1024 / 1024)} MB.`,
  );
}

function openBodyTooLarge(): AppError {
  return new AppError(
    'body_too_large',
    413,
    `Sign-up, sign-in and the other open routes take a body of at most ${openBodyLimit / 1024} KB.`,
  );
}

/** A body sent without a length is counted as it streams through, and cut off past the limit. */
function capBody(request: FastifyRequest, limit: number): void {
  const body = request.body;
  if (request.headers['content-length'] !== undefined || !(body instanceof Readable)) return;
  const limited = body.pipe(
    limitStream(limit, () => {
      overLimit.add(request.raw);
      return bodyTooLarge(limit);
    }),
  );
  // pipe() passes no failure on: a client gone mid-body would leave the upstream waiting for more.
  // (Not pipeline(): past the limit it would destroy the client's request before the 413.)
  finished(body, (error) => {
    if (error) limited.destroy(error);
  });
  request.body = limited;
}

/** Passes bytes through up to `limit`, then fails with `refusal()`. */
function limitStream(limit: number, refusal: () => AppError): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen <= limit) return done(null, chunk);
      done(refusal());
    },
  });
}

/**
 * Reads need images:read, the rest images:write; but nothing under /api/analytics writes images
 * (its POSTs open the analysts' read-only SQL workspace and run statements in it), so all of it is
 * a read, which analysts may do.
 */
function scopeFor(method: string, prefix: string): Scope {
  if (prefix === '/api/analytics') return 'images:read';
  return ['GET', 'HEAD', 'OPTIONS'].includes(method) ? 'images:read' : 'images:write';
}

/**
 * Every instance up or down, in the order configured (their addresses stay private); ready while
 * the database answers and each upstream has at least one instance up.
 */
async function readiness(deps: GatewayDeps, balancer: Balancer, pools: Map<string, InstancePool>) {
  const problems: string[] = [];
  await Promise.all([
    deps.db.query('select 1').catch(() => problems.push('database unreachable')),
    balancer.checkAll(),
  ]);
  const upstreams: Record<string, ('up' | 'down')[]> = {};
  for (const [prefix, pool] of pools) {
    const states = pool.states();
    upstreams[prefix] = states.map((up) => (up ? 'up' : 'down'));
    if (!states.includes(true))
      problems.push(`${prefix} upstream not ready: none of its ${states.length} instances is up`);
  }
  return { problems, upstreams };
}

/** Every instance is down (or refused this very request): nothing is tried, the caller retries. */
function noInstance(
  reply: FastifyReply,
  upstream: Upstream,
  pool: InstancePool,
  balance: BalanceSettings,
  bodyUnread: boolean,
): FastifyReply {
  const count = pool.urls.length;
  // A body left unread would be taken for the next request on this connection.
  if (bodyUnread) reply.header('connection', 'close');
  return reply
    .status(503)
    .header('retry-after', String(Math.ceil(balance.downFor / 1000)))
    .send({
      code: 'upstream_unavailable',
      message: `The service behind ${upstream.prefix} is not answering (${count === 1 ? 'its instance is' : `all ${count} instances are`} down). Try again in a few seconds.`,
      requestId: reply.request.id,
    });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without credentials. */
    open?: boolean;
  }
}
