import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tessera } from '../../test/helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { startPrivateServer } from '../../test/helpers/private-server.ts';
import { addPerson } from './people.ts';
import { verifyPolicy } from './verify.ts';

describe('db verify', () => {
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.close());

  test('a freshly migrated database matches the declared policy exactly', async () => {
    assert.deepEqual(await verifyPolicy(db.admin), []);
    const cli = tessera(['db', 'verify'], { databaseUrl: db.url });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /match the policy/);
  });

  test('catches privileges granted by hand, and one revoked by hand', async () => {
    const person = await db.addPerson('sales');
    await db.admin.query('grant delete on commerce.items to commerce_sales');
    await db.admin.query('grant select (email) on commerce.memberships to commerce_analytics');
    await db.admin.query(`grant select on commerce.audit_log to ${person.login}`);
    await db.admin.query(
      'grant execute on function commerce.record_transaction(text, bigint, jsonb) to public',
    );
    await db.admin.query('revoke select on commerce.manufacturers from commerce_sales');
    try {
      const found = (await verifyPolicy(db.admin)).map((d) => `${d.kind}: ${d.description}`).sort();
      assert.deepEqual(found, [
        'missing: SELECT on relation commerce.manufacturers to commerce_sales',
        'unexpected: DELETE on relation commerce.items to commerce_sales',
        'unexpected: EXECUTE on function commerce.record_transaction(text, bigint, jsonb) to PUBLIC',
        `unexpected: SELECT on column commerce.memberships (email) to commerce_analytics`,
        `unexpected: SELECT on relation commerce.audit_log to ${person.login}`,
      ]);
      const cli = tessera(['db', 'verify'], { databaseUrl: db.url });
      assert.equal(cli.status, 1);
      assert.match(cli.stdout, /5 difference\(s\) from the policy/);
      assert.match(cli.stdout, /unexpected DELETE on relation commerce\.items to commerce_sales/);
    } finally {
      await db.admin.query('revoke delete on commerce.items from commerce_sales');
      await db.admin.query('revoke select (email) on commerce.memberships from commerce_analytics');
      await db.admin.query(`revoke select on commerce.audit_log from ${person.login}`);
      await db.admin.query(
        'revoke execute on function commerce.record_transaction(text, bigint, jsonb) from public',
      );
      await db.admin.query('grant select on commerce.manufacturers to commerce_sales');
    }
    assert.deepEqual(await verifyPolicy(db.admin), []);
  });
});

// Role attributes belong to the whole cluster, so this runs on a server of its own.
test('db verify catches a person given powers beyond their team', async () => {
  const server = await startPrivateServer();
  try {
    await addPerson(server.admin, {
      login: 'eve',
      team: 'analytics',
      pii: false,
      password: 'long-enough-password',
    });
    assert.deepEqual(await verifyPolicy(server.admin), []);
    await server.admin.query('alter role eve createrole');
    await server.admin.query('grant commerce_sales to eve');
    await server.admin.query('alter role commerce_sales login');
    const found = (await verifyPolicy(server.admin)).map((d) => d.description);
    assert.deepEqual(found, [
      'person eve is a superuser, can create roles or databases, or bypasses row security',
      'person eve is in more than one team (commerce_analytics, commerce_sales)',
      'team role commerce_sales can log in',
    ]);
  } finally {
    await server.stop();
  }
});
