// The portal built on a test database, connected as its authenticator, driven with inject().
import { buildPortal } from '../../src/commerce/portal/app.ts';
import type { PortalDeps } from '../../src/commerce/portal/context.ts';
import { defaultSessionSettings } from '../../src/commerce/portal/sign-in.ts';
import { createPool, withCredentials } from '../../src/platform/db/pool.ts';
import { createLogger } from '../../src/platform/log.ts';
import type { TestDatabase, TestPerson } from './database.ts';

export type TestPortal = Awaited<ReturnType<typeof buildPortal>> & { closeAll(): Promise<void> };

export async function buildTestPortal(
  db: TestDatabase,
  overrides: Partial<PortalDeps> = {},
): Promise<TestPortal> {
  const databaseUrl = withCredentials(
    db.url,
    'commerce_portal',
    process.env.TESSERA_TEST_PORTAL_PASSWORD ?? '',
  );
  const pool = createPool(databaseUrl, { max: 4 });
  const app = await buildPortal({
    pool,
    databaseUrl,
    log: createLogger('silent'),
    allowCidrs: ['127.0.0.1/32', '::1/128'],
    trustProxy: [],
    sessions: defaultSessionSettings,
    ...overrides,
  });
  return Object.assign(app, {
    async closeAll() {
      await app.close();
      await pool.end();
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
  app: TestPortal,
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
