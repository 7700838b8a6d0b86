import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tessera } from '../../test/helpers/cli.ts';
import {
  insertItem,
  insertManufacturer,
  insertMember,
  recordTransaction,
} from '../../test/helpers/commerce-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { startPrivateServer } from '../../test/helpers/private-server.ts';
import { addPerson } from './people.ts';
import { verifyKeptTotals, verifyPolicy } from './verify.ts';

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

  test("reports the analyst views' kept sums drifting from the transactions", async () => {
    const member = (await insertMember(db.admin)).membership_id;
    const item = await insertItem(db.admin, { cost: '7.00' });
    const id = await recordTransaction(db.admin, member, await insertManufacturer(db.admin), [
      { item_id: item, quantity: 3 },
    ]);
    for (const status of ['paid', 'shipped', 'completed']) {
      await db.admin.query('select commerce.set_transaction_status($1, $2)', [id, status]);
    }
    assert.deepEqual(await verifyKeptTotals(db.admin), []);
    assert.match(tessera(['db', 'verify'], { databaseUrl: db.url }).stdout, /kept sums match/);

    // A superuser (no team may) writing the kept rows by hand, around the triggers.
    await db.admin.query(
      'update commerce.member_spending set total_spent = total_spent + 1 where membership_id = $1',
      [member],
    );
    await db.admin.query('delete from commerce.item_sales where item_id = $1', [item]);
    try {
      assert.deepEqual(await verifyKeptTotals(db.admin), [
        {
          kind: 'drift',
          description: `item ${item}: kept 0 units in 0 purchases; the transactions say 3 in 1`,
        },
        {
          kind: 'drift',
          description: `member ${member}: kept 1 completed transactions, 22.00 spent; the transactions say 1, 21.00`,
        },
      ]);
      const cli = tessera(['db', 'verify'], { databaseUrl: db.url });
      assert.equal(cli.status, 1);
      assert.match(cli.stdout, /The live grants match the policy/);
      assert.match(cli.stdout, /2 kept sum\(s\) drifted from the transactions/);
      assert.match(cli.stdout, new RegExp(`drift +member ${member}: kept 1 completed`));
    } finally {
      await db.admin.query(
        'update commerce.member_spending set total_spent = total_spent - 1 where membership_id = $1',
        [member],
      );
      await db.admin.query(
        'insert into commerce.item_sales (item_id, units_bought, times_bought) values ($1, 3, 1)',
        [item],
      );
    }
    assert.deepEqual(await verifyKeptTotals(db.admin), []);
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
