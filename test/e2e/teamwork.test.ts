// The teams' daily work in a real Chromium against a real database: logistics amends a
// transaction and moves several at once after a preview, sales imports items from a CSV with a
// bad row, then retires them together.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { portalWebRoot } from '../../src/commerce/portal/service.ts';
import { listen } from '../../src/platform/http/listen.ts';
import {
  browserAvailable,
  buildUi,
  launchBrowser,
  pick,
  shoot,
  signedInPage,
} from '../helpers/browser.ts';
import {
  insertItem,
  insertManufacturer,
  insertMember,
  recordTransaction,
} from '../helpers/commerce-fixtures.ts';
import { createTestDatabase, type TestDatabase, type TestPerson } from '../helpers/database.ts';
import { buildTestPortal, type TestPortal } from '../helpers/portal.ts';

describe('the teams’ daily work in a browser', {
  skip: browserAvailable ? false : 'Debian chromium is not installed',
}, () => {
  let db: TestDatabase;
  let portal: TestPortal;
  let baseUrl: string;
  let browser: Browser;
  let member: string;
  let maker: string;
  let lamp: string;
  let cord: string;
  const people: Record<string, TestPerson> = {};

  before(async () => {
    buildUi();
    db = await createTestDatabase();
    member = (await insertMember(db.admin, { first_name: 'Ada', last_name: 'Lovelace' }))
      .membership_id;
    maker = await insertManufacturer(db.admin, 'Acme Lighting');
    lamp = await insertItem(db.admin, { name: 'Brass lamp', cost: '20.00', weight: '1.500' });
    cord = await insertItem(db.admin, { name: 'Linen cord', cost: '3.00', weight: '0.100' });
    await insertItem(db.admin, { name: 'Glass bulb', cost: '1.50', weight: '0.050' });
    for (const team of ['logistics', 'sales'] as const) people[team] = await db.addPerson(team);
    portal = await buildTestPortal(db, { webRoot: portalWebRoot });
    baseUrl = await listen(portal, { host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await portal?.closeAll();
    await db?.close();
  });

  async function session(team: string): Promise<Page> {
    return signedInPage(browser, baseUrl, people[team]);
  }
  const newTransaction = () =>
    recordTransaction(db.admin, member, maker, [
      { item_id: lamp, quantity: 1 },
      { item_id: cord, quantity: 2 },
    ]);
  const status = async (id: string) =>
    (
      await db.admin.query<{ transaction_status: string }>(
        'select transaction_status from commerce.transactions where transaction_id = $1',
        [id],
      )
    ).rows[0]?.transaction_status;

  test('logistics amends a transaction: a quantity changed, a line removed, one added; its history shows it', async () => {
    const id = await newTransaction();
    const page = await session('logistics');
    await page.goto(`${baseUrl}/#/transactions/${id}/show`);
    await page.getByRole('link', { name: 'Amend' }).click();
    const quantities = page.getByLabel(/^Quantity/);
    await quantities.first().waitFor();
    await quantities.first().fill('3');
    // The cord's line goes; a bulb comes in.
    // A line's remove button shows while the pointer is over the line.
    await quantities.nth(1).hover();
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('button', { name: 'Add' }).click();
    await pick(page, 'Item', 'Glass', /Glass bulb/);
    await quantities.last().fill('4');
    await page.getByTestId('running-cost').getByText('66.00').waitFor();
    await shoot(page, 'transaction-amend');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('tab', { name: 'History' }).waitFor();
    await page.getByText('66.00').first().waitFor();
    const lines = await db.admin.query(
      `select i.item_name, ti.quantity from commerce.transacted_items ti join commerce.items i using (item_id)
       where transaction_id = $1 order by i.item_name`,
      [id],
    );
    assert.deepEqual(lines.rows, [
      { item_name: 'Brass lamp', quantity: 3 },
      { item_name: 'Glass bulb', quantity: 4 },
    ]);
    await page.getByRole('tab', { name: 'History' }).click();
    const history = page.getByRole('table', { name: 'History' });
    await history.getByText('transaction.amend').waitFor();
    await history.getByText('line: item', { exact: false }).first().waitFor();
    await shoot(page, 'transaction-history');
    // Once shipped, the lines are frozen: no Amend button.
    await db.admin.query(`select commerce.set_transaction_status($1, 'paid')`, [id]);
    await db.admin.query(`select commerce.set_transaction_status($1, 'shipped')`, [id]);
    await page.goto(`${baseUrl}/#/transactions/${id}/show`);
    await page.reload();
    await page.getByRole('button', { name: 'Mark completed' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Amend' }).count(), 0);
  });

  test('logistics moves chosen transactions after a preview that names the one that cannot move', async () => {
    const pending = await newTransaction();
    const paid = await newTransaction();
    await db.admin.query(`select commerce.set_transaction_status($1, 'paid')`, [paid]);
    const cancelled = await newTransaction();
    await db.admin.query(`select commerce.set_transaction_status($1, 'cancelled')`, [cancelled]);
    const page = await session('logistics');
    await page.getByRole('menuitem', { name: 'Transactions' }).click();
    for (const id of [pending, paid, cancelled]) {
      await page
        .getByRole('row')
        .filter({ has: page.getByRole('cell', { name: id, exact: true }) })
        .getByRole('checkbox')
        .check();
    }
    await page.getByRole('button', { name: 'Move to next status' }).click();
    const dialog = page.getByRole('dialog', { name: 'Move to the next status' });
    await dialog.getByTestId('bulk-move-count').getByText('2 transactions move').waitFor();
    await dialog.getByText(`#${pending}: pending → paid`).waitFor();
    await dialog.getByText(`#${paid}: paid → shipped`).waitFor();
    await dialog
      .getByTestId('bulk-move-refused')
      .getByText(`#${cancelled}: it is cancelled and moves no further`)
      .waitFor();
    await shoot(page, 'transactions-bulk-preview');
    assert.equal(await status(pending), 'pending', 'the preview changes nothing');
    await dialog.getByRole('button', { name: 'Move 2' }).click();
    await page.getByText(/Moved 2 transactions \(batch [0-9a-f-]{36}\)/).waitFor();
    assert.equal(await status(pending), 'paid');
    assert.equal(await status(paid), 'shipped');
    assert.equal(await status(cancelled), 'cancelled');

    // A carrier's file: the shipped one arrives, a line of it is not a number.
    await page.getByTestId('carrier-csv').setInputFiles({
      name: 'carrier.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`tracking,transaction_id\nZX1,${paid}\nZX2,n/a\n`),
    });
    const carrier = page.getByRole('dialog', { name: 'Move to the next status' });
    await carrier.getByText('1 transaction moves').waitFor();
    await carrier.getByText('“n/a”: not a transaction number').waitFor();
    await carrier.getByRole('button', { name: 'Move 1' }).click();
    await page.getByText(/Moved 1 transactions/).waitFor();
    assert.equal(await status(paid), 'completed');
  });

  test('sales imports items from a CSV: a bad row is reported and blocks the import until the file is fixed', async () => {
    const page = await session('sales');
    await page.getByRole('menuitem', { name: 'Items' }).click();
    await page.getByRole('button', { name: 'Import' }).click();
    const file = (cost: string) => ({
      name: 'supplier.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        [
          'name,manufacturer,cost,weight',
          'Imported desk lamp,Acme Lighting,45.00,2.1',
          `Imported floor lamp,acme lighting,${cost},7.5`,
          'Brass lamp,Acme Lighting,20,1.5',
          'Imported shade,Nobody Ltd,9.90,0.3',
        ].join('\n'),
      ),
    });
    await page.getByTestId('item-csv').setInputFiles(file('"12,50"'));
    const preview = page.getByRole('table', { name: 'Import preview' });
    await preview.getByText('bad number').waitFor();
    await preview.getByText("cost '12,50' is not an amount").waitFor();
    await preview.getByText('duplicate').waitFor();
    await preview.getByText('unknown manufacturer').waitFor();
    await page.getByTestId('import-problems').getByText('3 rows are not valid').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Import 4 items' }).isDisabled(), true);
    await shoot(page, 'item-import-preview');
    const imported = async () =>
      (await db.admin.query(`select 1 from commerce.items where item_name like 'Imported %'`))
        .rowCount;
    assert.equal(await imported(), 0);

    await page.getByTestId('item-csv').setInputFiles({
      name: 'supplier.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        'name,manufacturer,cost,weight\nImported desk lamp,Acme Lighting,45.00,2.1\nImported floor lamp,acme lighting,12.50,7.5\n',
      ),
    });
    await page.getByText('Every row is valid: 2 items will be added.').waitFor();
    await page.getByRole('button', { name: 'Import 2 items' }).click();
    await page.getByText('Imported 2 items').waitFor();
    assert.equal(await imported(), 2);
    const stored = await db.admin.query(
      `select item_cost, manufacturer_id::text from commerce.items where item_name = 'Imported floor lamp'`,
    );
    assert.deepEqual(stored.rows, [{ item_cost: '12.50', manufacturer_id: maker }]);

    // An imported item's history, beside its form.
    await page.locator('input[name=q]').fill('Imported');
    await page.getByText('1-2 of 2').waitFor();
    await page.getByRole('cell', { name: 'Imported floor lamp' }).click();
    await page.getByRole('table', { name: 'History' }).getByText('insert').waitFor();
    await shoot(page, 'item-history');
    await page.goBack();

    // Both retired together from the list.
    await page.getByText('1-2 of 2').waitFor();
    await page.getByRole('checkbox', { name: 'Select all' }).check();
    await page.getByRole('button', { name: 'Retire selected' }).click();
    await page.getByText('Retired 2 items').waitFor();
    const retired = await db.admin.query(
      `select 1 from commerce.items where item_name like 'Imported %' and deleted_at is not null`,
    );
    assert.equal(retired.rowCount, 2);
  });
});
