// The whole system as `npm start` runs it (`tessera start`), in a process of its own on a test
// database: every service of the table in src/system.ts comes up on its port, each finds the ones
// before it (the gateway the image API, the web app the gateway), and Ctrl-C stops them all.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { freePort } from '../helpers/ports.ts';

let db: TestDatabase;
let home: string;
before(async () => {
  db = await createTestDatabase();
  home = await mkdtemp(path.join(tmpdir(), 'tessera-start-'));
});
after(async () => {
  await db?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

test('tessera start runs every service, each finding the ones before it, and stops them on SIGTERM', async () => {
  const ports = {
    PORTAL_PORT: await freePort(),
    IMAGE_API_PORT: await freePort(),
    GATEWAY_PORT: await freePort(),
    WEB_PORT: await freePort(),
  };
  const child = spawn(process.execPath, ['src/cli.ts', 'start'], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: db.url,
      TESSERA_DATA_DIR: home,
      // The authenticator is a role of the whole server: its password stays the one every other
      // test file's portal uses.
      PORTAL_AUTHENTICATOR_PASSWORD: process.env.TESSERA_TEST_PORTAL_PASSWORD ?? '',
      LOG_LEVEL: 'warn',
      ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (text) => {
    err += String(text);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const running = new Promise<void>((resolve) =>
    child.stdout.on('data', (text) => {
      out += String(text);
      if (out.includes('Stop with Ctrl-C.')) resolve();
    }),
  );
  try {
    await Promise.race([running, exited]);
    assert.match(out, /Tessera is running/, err);
    const at = (port: number, route: string) => fetch(`http://127.0.0.1:${port}${route}`);
    assert.match(out, new RegExp(`Commerce portal: +http://127\\.0\\.0\\.1:${ports.PORTAL_PORT}`));
    assert.equal((await at(ports.PORTAL_PORT, '/api/health')).status, 200);
    assert.equal((await at(ports.IMAGE_API_PORT, '/health')).status, 200);
    // The gateway found the image API started before it: it is ready only once that answers.
    assert.equal((await at(ports.GATEWAY_PORT, '/readyz')).status, 200);
    // The web app names the gateway started before it.
    const web = await at(ports.WEB_PORT, '/config.json');
    assert.equal(web.status, 200);
    assert.equal(
      ((await web.json()) as { gatewayUrl: string }).gatewayUrl,
      `http://127.0.0.1:${ports.GATEWAY_PORT}`,
    );
    assert.match(out, /Stream ingest: +off/);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, err);
  assert.match(out, /Stopped\./);
  for (const port of Object.values(ports)) {
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`), 'nothing listens any more');
  }
});
