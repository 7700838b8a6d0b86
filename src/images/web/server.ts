// The upload web app's own server: the built React app and /config.json, which tells the app where
// the gateway is. It holds no API of its own; the browser talks to the gateway directly (CORS).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { createHttpApp } from '../../platform/http/server.ts';
import type { Logger } from '../../platform/log.ts';

/** Where Vite builds web/upload (`npm run build:web`). */
export const uploadWebRoot = fileURLToPath(new URL('../../../web/upload/dist/', import.meta.url));

export type WebServerDeps = {
  /** The built app; uploadWebRoot unless a test says otherwise. */
  webRoot?: string;
  /** The gateway's base URL as the browser reaches it; a getter when it is known only later. */
  gatewayUrl: string | (() => string);
  log: Logger;
};

export async function buildWebServer(deps: WebServerDeps) {
  const gateway = () => {
    const url = typeof deps.gatewayUrl === 'function' ? deps.gatewayUrl() : deps.gatewayUrl;
    return { url: url.replace(/\/+$/, ''), origin: new URL(url).origin };
  };
  const app = createHttpApp({ log: deps.log, trustProxy: [] });
  // Helmet's policy allows 'self' only; the app also calls the gateway and shows its images.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', contentSecurityPolicy(gateway().origin));
    return payload;
  });
  app.get('/config.json', async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({ gatewayUrl: gateway().url }),
  );
  const root = deps.webRoot ?? uploadWebRoot;
  await app.register(fastifyStatic, {
    root,
    // Vite names built assets by their content: they may be kept for good; index.html may not.
    setHeaders(reply, file) {
      reply.header(
        'cache-control',
        path.relative(root, file).startsWith(`assets${path.sep}`)
          ? 'public, max-age=31536000, immutable'
          : 'no-cache',
      );
    },
  });
  return app;
}

export function contentSecurityPolicy(gatewayOrigin: string): string {
  return [
    "default-src 'self'",
    "base-uri 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `connect-src 'self' ${gatewayOrigin}`,
    // blob: for images fetched with credentials; data: for the thumbhash placeholders.
    `img-src 'self' data: blob: ${gatewayOrigin}`,
    "font-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}
