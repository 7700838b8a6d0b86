// pg_hba.conf rules change the whole server, so this file starts an embedded server of its own,
// and runs the CLI against it as its own embedded server (the case where the rules are applied).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { tessera } from '../../../test/helpers/cli.ts';
import { outcome } from '../../../test/helpers/database.ts';
import { type PrivateServer, startPrivateServer } from '../../../test/helpers/private-server.ts';
import { accessRules, applyAccessRules } from '../../commerce/access.ts';
import { blockLines, withoutBlock } from '../../platform/db/hba.ts';
import { connect } from '../../platform/db/pool.ts';
import { loginRules } from './logins.ts';

describe('analytics sql-login --cidr on the embedded server', () => {
  let server: PrivateServer;
  let hbaFile: string;
  const login = `bi_hba_${process.pid}`;
  const hba = () => readFile(hbaFile, 'utf8');
  const cli = (args: string[]) => tessera(['analytics', ...args], { env: server.env });
  const connects = async (url: string) => {
    const result = await outcome(connect(url).then((c) => c.end()));
    return result === 'ok' ? 'connected' : result;
  };

  before(async () => {
    server = await startPrivateServer();
    const found = await server.admin.query<{ hba_file: string }>('show hba_file');
    hbaFile = found.rows[0]?.hba_file ?? '';
    await applyAccessRules(server.admin, ['10.0.0.0/8']);
  });
  after(() => server?.stop());

  test('writes the rules into pg_hba.conf: the login is refused from elsewhere', async () => {
    const made = cli(['sql-login', login, '--cidr', '10.8.0.0/16', '--cidr', '192.168.1.7']);
    assert.equal(made.status, 0, made.stderr);
    const url = made.stdout.trim();
    assert.match(url, new RegExp(`^postgres://${login}:[^@]+@127\\.0\\.0\\.1:\\d+/tessera$`));
    const block = blockLines(loginRules(login, 'tessera', ['10.8.0.0/16', '192.168.1.7/32']));
    assert.deepEqual(block.slice(1, -1), [
      `host tessera ${login} 10.8.0.0/16 scram-sha-256`,
      `host tessera ${login} 192.168.1.7/32 scram-sha-256`,
      `host all ${login} 0.0.0.0/0 reject`,
      `host all ${login} ::/0 reject`,
    ]);
    assert.ok((await hba()).startsWith(`${block.join('\n')}\n`), 'on top of every other rule');
    assert.equal(await connects(url), '28000', 'pg_hba rejects it from 127.0.0.1');
  });

  test('--rotate --cidr replaces its rules; --revoke removes them and nothing else', async () => {
    const rotated = cli(['sql-login', login, '--rotate', '--cidr', '127.0.0.1/32']);
    assert.equal(rotated.status, 0, rotated.stderr);
    const url = rotated.stdout.trim();
    assert.equal(await connects(url), 'connected');
    const text = await hba();
    assert.equal(
      text.split(`# BEGIN tessera analytics sql-login ${login}:`).length,
      2,
      'one block',
    );
    for (const line of accessRules(['10.0.0.0/8'])) assert.ok(text.includes(line), line);
    const revoked = cli(['sql-login', '--revoke', login]);
    assert.equal(revoked.status, 0, revoked.stderr);
    const left = await hba();
    assert.ok(!left.includes(login), 'its rules are gone');
    assert.ok(left.startsWith(accessRules(['10.0.0.0/8']).join('\n')), "db access's block stays");
    assert.equal(await connects(url), '28P01');
  });

  test('a block is found by its whole name, so one login never takes another one’s rules', () => {
    const text = ['# BEGIN x2: p', 'a', '# END x2', '# BEGIN x: p', 'b', '# END x', 'rest'].join(
      '\n',
    );
    assert.equal(withoutBlock(text, 'x'), ['# BEGIN x2: p', 'a', '# END x2', 'rest'].join('\n'));
    assert.equal(withoutBlock(text, 'x3'), text);
  });
});
