// The portal's routes for amending, bulk moves, item import and history, against a real database;
// with the portal's own team checks switched off, PostgreSQL still refuses the other teams.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  insertItem,
  insertManufacturer,
  insertMember,
  recordTransaction,
} from '../../../test/helpers/commerce-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/database.ts';
import {
  buildTestPortal,
  type Client,
  signInAs,
  type TestPortal,
} from '../../../test/helpers/portal.ts';
import type { Team } from '../people.ts';

describe('portal: amend, bulk moves, item import, history', () => {
  let db: TestDatabase;
  let portal: TestPortal;
  let unchecked: TestPortal;
  let member: string;
  let maker: string;
  let item: string;
  let other: string;
  const people = new Map<Team, Client>();
  const raw = new Map<Team, Client>();

  before(async () => {
    db = await createTestDatabase();
    member = (await insertMember(db.admin)).membership_id;
    maker = await insertManufacturer(db.admin, 'Portal Makers');
    item = await insertItem(db.admin, { cost: '10.00', weight: '1.000' });
    other = await insertItem(db.admin, { cost: '2.50', weight: '0.200' });
    portal = await buildTestPortal(db);
    unchecked = await buildTestPortal(db, { checkTeams: false });
    for (const team of ['logistics', 'analytics', 'sales', 'admin'] as const) {
      const person = await db.addPerson(team);
      people.set(team, await signInAs(portal, person));
      raw.set(team, await signInAs(unchecked, person));
    }
  });
  after(async () => {
    await portal?.closeAll();
    await unchecked?.closeAll();
    await db?.close();
  });

  const as = (team: Team, checked = true) => {
    const client = (checked ? people : raw).get(team);
    assert.ok(client);
    return client;
  };
  const newTransaction = () =>
    recordTransaction(db.admin, member, maker, [{ item_id: item, quantity: 1 }]);

  test('logistics amends a transaction through PUT; the answer has the database totals', async () => {
    const id = await newTransaction();
    const answer = await as('logistics').send('PUT', `/api/transactions/${id}`, {
      items: [
        { item_id: Number(item), quantity: 2 },
        { item_id: Number(other), quantity: 4 },
      ],
    });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.total_items_cost, '30.00');
    assert.equal(answer.body.lines.length, 2);
    for (const team of ['analytics', 'sales', 'admin'] as const) {
      const refused = await as(team, false).send('PUT', `/api/transactions/${id}`, {
        items: [{ item_id: Number(item), quantity: 9 }],
      });
      assert.equal(refused.status, 403, `${team}: ${refused.text}`);
    }
    const history = await as('analytics').get(`/api/transactions/${id}/history`);
    assert.equal(history.status, 200);
    assert.ok(history.body.data.some((e: { action: string }) => e.action === 'transaction.amend'));
    assert.equal((await as('sales').get(`/api/transactions/${id}/history`)).status, 403);
  });

  test('a carrier CSV previews, then the moves apply as one batch', async () => {
    const a = await newTransaction();
    const b = await newTransaction();
    await db.admin.query(`select commerce.set_transaction_status($1, 'cancelled')`, [b]);
    const csv = `carrier,transaction_id\nDHL,${a}\nDHL,${b}\nDHL,abc\n`;
    const preview = await as('logistics').send('POST', '/api/transactions/bulk-status/preview', {
      csv,
    });
    assert.equal(preview.status, 200, preview.text);
    assert.deepEqual(preview.body.moves, [
      { transaction_id: Number(a), from_status: 'pending', to_status: 'paid' },
    ]);
    assert.deepEqual(
      preview.body.refused.map((r: { given: string; problem: string }) => [r.given, r.problem]),
      [
        ['abc', 'not a transaction number'],
        [b, 'it is cancelled and moves no further'],
      ],
    );
    const refused = await as('sales', false).send('POST', '/api/transactions/bulk-status', {
      moves: [{ transaction_id: Number(a), from_status: 'pending' }],
    });
    assert.equal(refused.status, 403);
    const applied = await as('logistics').send('POST', '/api/transactions/bulk-status', {
      moves: preview.body.moves,
    });
    assert.equal(applied.status, 200, applied.text);
    assert.equal(applied.body.moved, 1);
    const again = await as('logistics').send('POST', '/api/transactions/bulk-status', {
      moves: preview.body.moves,
    });
    assert.equal(again.status, 400);
    assert.match(again.body.message, /nothing was moved: #\d+: it is now paid, not pending/);
  });

  test('sales previews an item CSV row by row and imports all or none', async () => {
    const stamp = Date.now();
    const bad = `name,manufacturer,cost,weight\nKettle ${stamp},Portal Makers,19.90,1.2\nToaster ${stamp},portal makers,abc,2\n`;
    const preview = await as('sales').send('POST', '/api/items/import/preview', { csv: bad });
    assert.equal(preview.status, 200, preview.text);
    assert.deepEqual(
      preview.body.rows.map((r: { line: number; verdict: string }) => [r.line, r.verdict]),
      [
        [2, 'valid'],
        [3, 'bad number'],
      ],
    );
    const report = await as('sales').send('POST', '/api/items/import/preview?format=csv', {
      csv: bad,
    });
    assert.match(report.text, /^line,name,manufacturer,cost,weight,verdict,detail\n/);
    const refused = await as('sales').send('POST', '/api/items/import', { csv: bad });
    assert.equal(refused.status, 400);
    const good = bad.replace(',abc,', ',24.00,');
    assert.equal(
      (await as('analytics', false).send('POST', '/api/items/import', { csv: good })).status,
      403,
    );
    const imported = await as('sales').send('POST', '/api/items/import', { csv: good });
    assert.equal(imported.status, 201, imported.text);
    assert.equal(imported.body.item_ids.length, 2);
    const retired = await as('sales').send('POST', '/api/items/retire', {
      item_ids: imported.body.item_ids,
    });
    assert.equal(retired.status, 200, retired.text);
    const stored = await db.admin.query(
      'select count(*)::int as n from commerce.items where item_id = any($1) and deleted_at is not null',
      [imported.body.item_ids],
    );
    assert.equal(stored.rows[0]?.n, 2);
    const history = await as('sales').get(`/api/items/${imported.body.item_ids[0]}/history`);
    assert.deepEqual(
      history.body.data.map((e: { action: string }) => e.action),
      ['update', 'insert'],
    );
  });

  test('a CSV without the needed columns, or with a row of too many cells, is refused with why', async () => {
    const answer = await as('sales').send('POST', '/api/items/import/preview', {
      csv: 'name,price\nLamp,3\n',
    });
    assert.equal(answer.status, 400);
    assert.match(answer.body.message, /lacks manufacturer, cost, weight/);
    // An unquoted decimal comma would shift the weight into the cost's place: refused, not guessed.
    const ragged = await as('sales').send('POST', '/api/items/import/preview', {
      csv: 'name,manufacturer,cost,weight\nLamp,Portal Makers,1.5,2\nShade,Portal Makers,12,50,7.5\n',
    });
    assert.equal(ragged.status, 400);
    assert.match(ragged.body.message, /Line 3 has 5 cells but the header has 4/);
  });
});
