// pg_hba.conf rules change the whole server, so this file starts an embedded server of its own.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { type PrivateServer, startPrivateServer } from '../../test/helpers/private-server.ts';
import { connect, withCredentials } from '../platform/db/pool.ts';
import { accessRules, applyAccessRules, parseCidrs } from './access.ts';
import { addPerson } from './people.ts';

describe('db access: personal logins only from allowed networks', () => {
  let server: PrivateServer;
  const password = 'a-long-password-for-tests';
  const login = `p_access_${process.pid}`;

  before(async () => {
    server = await startPrivateServer();
    await addPerson(server.admin, { login, team: 'analytics', pii: false, password });
  });
  after(() => server?.stop());

  const personCanConnect = async () => {
    try {
      const session = await connect(withCredentials(server.url, login, password));
      await session.end();
      return 'connected';
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    }
  };

  test('a person from outside the allowed networks is refused; administrators still get in', async () => {
    assert.equal(await personCanConnect(), 'connected');
    await applyAccessRules(server.admin, ['10.8.0.0/16']);
    assert.equal(await personCanConnect(), '28000'); // invalid_authorization_specification: pg_hba rejects
    const again = await connect(server.url);
    await again.end();
  });

  test('allowing their network lets them in, and re-applying replaces the earlier rules', async () => {
    await applyAccessRules(server.admin, ['10.8.0.0/16', '127.0.0.1/32']);
    assert.equal(await personCanConnect(), 'connected');
    const rules = await server.admin.query<{ n: string }>(
      `select count(*) as n from pg_hba_file_rules where 'reject' = auth_method`,
    );
    assert.equal(Number(rules.rows[0]?.n), 2, 'one block of rules, not two');
  });

  test('bad networks are refused before anything is written', () => {
    assert.throws(() => parseCidrs(['10.8.0.0/33']), /not a network in CIDR form/);
    assert.throws(() => parseCidrs(['vpn.example.com/24']), /not a network in CIDR form/);
    assert.throws(() => parseCidrs([]), /at least one --allow/);
    assert.deepEqual(parseCidrs(['192.168.1.7', '2001:db8::/32']), [
      '192.168.1.7/32',
      '2001:db8::/32',
    ]);
  });

  test('for an external server the rules are printed, not applied', () => {
    const result = spawnSync(
      process.execPath,
      ['src/cli.ts', 'db', 'access', '--allow', '10.8.0.0/16'],
      {
        env: { ...process.env, DATABASE_URL: server.url, LOG_LEVEL: 'silent' },
        encoding: 'utf8',
      },
    );
    assert.equal(result.status, 0, result.stderr);
    for (const line of accessRules(['10.8.0.0/16'])) assert.ok(result.stdout.includes(line), line);
  });
});
