// The commerce admin portal: a JSON API (OpenAPI at /api/openapi.json) and the browser UI over it.
// Every API request runs in one database transaction as the signed-in person.
import { existsSync } from 'node:fs';
import path from 'node:path';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError } from '../../platform/errors.ts';
import { allowOnly } from '../../platform/http/allow-list.ts';
import { createHttpApp } from '../../platform/http/server.ts';
import { answerStatementErrors } from '../../platform/http/statement-errors.ts';
import { createWorkspaces } from '../../platform/sql-workspace/workspaces.ts';
import { type PortalDeps, setSession, signInDepsOf } from './context.ts';
import { adminRoutes } from './routes/admin.ts';
import { itemBatchRoutes } from './routes/item-batches.ts';
import { itemRoutes } from './routes/items.ts';
import { memberRoutes } from './routes/members.ts';
import { queryRoutes } from './routes/queries.ts';
import { reportRoutes } from './routes/reports.ts';
import { sessionCookie, sessionRoutes } from './routes/session.ts';
import { sqlRoutes } from './routes/sql.ts';
import { transactionBatchRoutes } from './routes/transaction-batches.ts';
import { transactionRoutes } from './routes/transactions.ts';
import { findSession } from './sign-in.ts';

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function buildPortal(deps: PortalDeps) {
  const app = createHttpApp({ log: deps.log, trustProxy: deps.trustProxy });
  // First of all: requests from outside the allowed networks get 403 and nothing else.
  allowOnly(app, deps.allowCidrs);
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Tessera commerce portal',
        version: '1',
        description:
          'Every request runs as the signed-in person’s own database role: the database decides what they may see and change. Sign in with POST /api/session; send the returned csrfToken as x-csrf-token with every change.',
      },
      components: {
        securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: sessionCookie } },
      },
      security: [{ session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // Routes that are public say so; every other route under /api needs a session. Decided on the
  // route Fastify matched, never on the text of the URL: `/%61pi/items` is the route `/api/items`.
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    if (!route?.startsWith('/api/') || request.routeOptions.config.public) return;
    const token = request.cookies[sessionCookie];
    const session = token ? await findSession(signInDepsOf(deps), token) : null;
    if (!session) throw new AppError('not_signed_in', 401, 'Please sign in.');
    if (
      unsafeMethods.has(request.method) &&
      request.headers['x-csrf-token'] !== session.csrfToken
    ) {
      throw new AppError(
        'csrf',
        403,
        'This request did not come from the portal (missing or wrong CSRF token). Reload the page.',
      );
    }
    setSession(request, session);
  });

  app.get('/api/health', { config: { public: true }, schema: { hide: true } }, async () => ({
    ok: true,
  }));
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  // Query workspaces live in this instance's memory (they hold connections as each person).
  const workspaces = createWorkspaces(deps.workspace);
  app.addHook('onClose', () => workspaces.closeAll());
  sessionRoutes(app, deps, workspaces);
  memberRoutes(app, deps);
  itemRoutes(app, deps);
  transactionRoutes(app, deps);
  transactionBatchRoutes(app, deps);
  itemBatchRoutes(app, deps);
  reportRoutes(app, deps);
  adminRoutes(app, deps);
  await app.register(async (scope) => {
    answerStatementErrors(scope);
    const zod = scope.withTypeProvider<ZodTypeProvider>() as unknown as typeof app;
    sqlRoutes(zod, { deps, workspaces });
    queryRoutes(zod, { deps, workspaces });
  });
  await serveUi(app, deps.webRoot);
  return app;
}

async function serveUi(app: ReturnType<typeof createHttpApp>, webRoot: string | undefined) {
  if (!webRoot || !existsSync(path.join(webRoot, 'index.html'))) {
    app.get('/', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/plain').send('The portal UI is not built. Run: npm run build:web'),
    );
    return;
  }
  await app.register(fastifyStatic, { root: webRoot, wildcard: false });
  // The UI routes in the browser: any other GET outside /api gets the app's page.
  app.get('/*', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    // The wildcard is the decoded path: `/%61pi/nothing` is an API path too.
    if (`/${(request.params as { '*': string })['*']}`.startsWith('/api/'))
      throw new AppError(
        'not_found',
        404,
        `No such route: ${request.method} ${request.url.split('?')[0]}`,
      );
    return reply.sendFile('index.html');
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without a session (sign-in, health, the API document). */
    public?: boolean;
  }
}
