// The portal built on a test database, connected as its authenticator, driven with inject(). It is
// composed as `tessera serve portal` composes it (portalService.deps from configuration, then
// build), with PORTAL_DATABASE_URL set as a fleet sets it.
import { buildPortal } from '../../src/commerce/portal/app.ts';
import type { PortalDeps } from '../../src/commerce/portal/context.ts';
import { portalService } from '../../src/commerce/portal/service.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { withCredentials } from '../../src/platform/db/pool.ts';
import { createLogger } from '../../src/platform/log.ts';
import type { TestDatabase, TestPerson } from './database.ts';

export type TestPortal = Awaited<ReturnType<typeof buildPortal>> & {
  /** What the portal was built from, as its service opened it. */
  deps: PortalDeps;
  closeAll(): Promise<void>;
};

export async function buildTestPortal(
  db: TestDatabase,
  overrides: Partial<PortalDeps> = {},
  /** Variables besides the database's, e.g. PORTAL_SIGNIN_LOCK_AFTER. */
  env: Record<string, string> = {},
): Promise<TestPortal> {
  const config = loadConfig({
    DATABASE_URL: db.url,
    PORTAL_DATABASE_URL: withCredentials(
      db.url,
      'commerce_portal',
      process.env.TESSERA_TEST_PORTAL_PASSWORD ?? '',
    ),
    PORTAL_POOL_SIZE: '4',
    // Off unless a test turns it on: a sign-out or a disabled person on this portal reaches its
    // cache through PostgreSQL's notice a moment after the answer, and tests act at once.
    PORTAL_SESSION_CACHE_SIZE: '0',
    ...env,
  });
  const opened = await portalService.deps({
    config,
    log: createLogger('silent'),
    databaseUrl: db.url,
    running: {},
  });
  // The built UI only when a test asks for it (webRoot), as the browser tests do.
  const deps = { ...opened.deps, webRoot: undefined, ...overrides };
  const app = await buildPortal(deps);
  return Object.assign(app, {
    deps,
    async closeAll() {
      await app.close();
      await opened.close();
    },
  });
}

export type Client = {
  get(url: string): Promise<Answer>;
  send(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<Answer>;
  cookie: string;
  csrf: string;
};
// biome-ignore lint/suspicious/noExplicitAny: test assertions read JSON answers of many shapes
export type Answer = { status: number; body: any; text: string; headers: Record<string, unknown> };

/** Signs the person in through the API and returns a client carrying their cookie and CSRF token. */
export async function signInAs(
  app: Pick<TestPortal, 'inject'>,
  person: Pick<TestPerson, 'login' | 'password'>,
): Promise<Client> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/session',
    payload: { login: person.login, password: person.password },
  });
  if (response.statusCode !== 200)
    throw new Error(`sign-in failed: ${response.statusCode} ${response.body}`);
  const cookie = String(response.headers['set-cookie']).split(';')[0] ?? '';
  const csrf = response.json().csrfToken as string;
  const answer = (r: Awaited<ReturnType<typeof app.inject>>): Answer => ({
    status: r.statusCode,
    text: r.body,
    body: r.headers['content-type']?.toString().startsWith('application/json') ? r.json() : r.body,
    headers: r.headers,
  });
  return {
    cookie,
    csrf,
    get: async (url) => answer(await app.inject({ method: 'GET', url, headers: { cookie } })),
    send: async (method, url, body) =>
      answer(
        await app.inject({
          method,
          url,
          headers: { cookie, 'x-csrf-token': csrf },
          ...(body === undefined ? {} : { payload: body as object }),
        }),
      ),
  };
}
