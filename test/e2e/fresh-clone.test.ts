// The README's first session, run as a newcomer would in a fresh clone of this commit: every path
// it names must be inside the repository, every command must work, and the people it adds must be
// able to sign in to the portal. `npm ci` is the one step left out: the clone gets a link to this
// checkout's node_modules instead (the same lock file; installing again would take minutes and the
// network). Ports are chosen free, so the test runs beside a developer's own `npm start`.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from '../helpers/ports.ts';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');

/** The commands of the README's first session, comments dropped, one per line. */
function firstSession(): string[] {
  const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
  const block = /A first session:\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'the README has a first session');
  return block
    .split('\n')
    .map((line) =>
      line
        .replace(/\s+#.*$/, '')
        .replace(/^#.*$/, '')
        .trim(),
    )
    .filter(Boolean);
}

describe('a fresh clone runs the README first session', { timeout: 20 * 60_000 }, () => {
  let clone: string;
  let env: NodeJS.ProcessEnv;
  let portalPort: number;
  let start: ChildProcess | undefined;
  let startOutput = '';

  before(async () => {
    clone = await mkdtemp(path.join(tmpdir(), 'tessera-clone-'));
    await chmod(clone, 0o755); // run as root, the embedded server runs as postgres and must reach data/
    const head = (await run('git', ['rev-parse', 'HEAD'], { cwd: repo })).stdout.trim();
    const gitDir = path.resolve(
      repo,
      (await run('git', ['rev-parse', '--git-common-dir'], { cwd: repo })).stdout.trim(),
    );
    await run('git', ['clone', '--quiet', '--no-checkout', gitDir, clone]);
    await run('git', ['checkout', '--quiet', head], { cwd: clone });
    await symlink(
      await realpath(path.join(repo, 'node_modules')),
      path.join(clone, 'node_modules'),
    );
    portalPort = await freePort();
    const { DATABASE_URL, TESSERA_DATA_DIR, TEST_DATABASE_URL, ...rest } = process.env;
    env = {
      ...rest,
      LOG_LEVEL: 'warn',
      PORTAL_PORT: String(portalPort),
      EMBEDDED_PG_PORT: String(await freePort()),
      IMAGE_API_PORT: String(await freePort()),
      GATEWAY_PORT: String(await freePort()),
      WEB_PORT: String(await freePort()),
    };
  });
  after(async () => {
    if (start?.pid && start.exitCode === null && start.signalCode === null) {
      try {
        process.kill(-start.pid, 'SIGKILL');
      } catch {} // it ended meanwhile
    }
    await rm(clone, { recursive: true, force: true });
  });

  test('every command of the first session works, and lena and root sign in', async () => {
    const [first, ...terminal2] = firstSession();
    assert.equal(first, 'npm ci && npm start', 'terminal 1 installs and starts');
    // Terminal 1, without `npm ci` (see above); its own process group, as a terminal's job is.
    start = spawn('npm', ['start'], { cwd: clone, env, detached: true, stdio: 'pipe' });
    start.stdout?.on('data', (chunk) => {
      startOutput += chunk;
    });
    start.stderr?.on('data', (chunk) => {
      startOutput += chunk;
    });
    await until(
      () => startOutput.includes('Tessera is running.'),
      12 * 60_000,
      () => startOutput,
    );
    assert.ok(existsSync(path.join(clone, 'data', 'postgres', 'PG_VERSION')), 'data in the clone');

    const passwords = new Map<string, string>();
    for (const command of terminal2) {
      // Every path the session names is inside the repository, and there.
      for (const word of command.split(/\s+/).filter((w) => w.includes('/'))) {
        const file = path.resolve(clone, word);
        assert.ok(file.startsWith(`${clone}${path.sep}`), `${word} is outside the repository`);
        assert.ok(existsSync(file), `${word} is in the clone`);
      }
      const { status, stdout, stderr } = await run('bash', ['-c', command], {
        cwd: clone,
        env,
        timeout: 10 * 60_000,
        maxBuffer: 16 * 1024 * 1024,
      }).then(
        (done) => ({ status: 0, ...done }),
        (error: { code: number; stdout: string; stderr: string }) => ({
          status: error.code,
          ...error,
        }),
      );
      // The seed's file has two people with one membership id: the README says the import
      // reports that row and exits 1 (as it does for any file with problems).
      const importing = command.includes('import-members');
      assert.equal(status, importing ? 1 : 0, `${command}\n${stdout}\n${stderr}`);
      if (importing)
        assert.match(stdout, /^705 new, 0 already present, 1 rejected of 706 rows\.$/m);
      const login = /users add (\S+)/.exec(command)?.[1];
      const password = /Password \(shown once\): (\S+)/.exec(stdout)?.[1];
      if (login) {
        assert.ok(password, `${command} printed a password\n${stdout}${stderr}`);
        passwords.set(login, password);
      }
    }
    assert.deepEqual([...passwords.keys()], ['root', 'lena']);

    // "open http://127.0.0.1:8080 and sign in as lena or root"
    for (const [login, password] of passwords) {
      const answer = await fetch(`http://127.0.0.1:${portalPort}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login, password }),
      });
      assert.equal(answer.status, 200, `${login} signs in: ${await answer.text()}`);
    }
    const page = await fetch(`http://127.0.0.1:${portalPort}/`);
    assert.equal(page.status, 200, 'the portal UI was built and is served');

    // Ctrl-C in terminal 1 stops everything, the database last.
    const exited = new Promise<string>((resolve) =>
      start?.once('exit', (code, signal) => resolve(signal ?? String(code))),
    );
    process.kill(-(start.pid as number), 'SIGINT');
    // npm ends itself with the SIGINT it was sent, as it does in a terminal, once tessera has stopped.
    assert.ok(['0', 'SIGINT'].includes(await exited), startOutput);
    assert.match(startOutput, /Stopped\./);
    assert.equal(existsSync(path.join(clone, 'data', 'postgres', 'postmaster.pid')), false);
  });
});

async function until(ready: () => boolean, timeout: number, say: () => string): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`not ready in time:\n${say()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
