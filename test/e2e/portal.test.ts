// People of each team using the portal in a real Chromium, end to end, against a real database.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { portalWebRoot } from '../../src/commerce/portal/service.ts';
import { seedDemo } from '../../src/commerce/seed-demo.ts';
import { connect } from '../../src/platform/db/pool.ts';
import { listen } from '../../src/platform/http/listen.ts';
import {
  browserAvailable,
  buildUi,
  launchBrowser,
  pick,
  shoot,
  signedInPage,
} from '../helpers/browser.ts';
import { insertItem, insertManufacturer, insertMember } from '../helpers/commerce-fixtures.ts';
import { createTestDatabase, type TestDatabase, type TestPerson } from '../helpers/database.ts';
import { buildTestPortal, type TestPortal } from '../helpers/portal.ts';

describe('the portal in a browser', {
  skip: browserAvailable ? false : 'Debian chromium is not installed',
}, () => {
  let db: TestDatabase;
  let portal: TestPortal;
  let baseUrl: string;
  let browser: Browser;
  const people: Record<string, TestPerson> = {};

  before(async () => {
    buildUi();
    db = await createTestDatabase();
    const seeding = await connect(db.url);
    try {
      await seedDemo(seeding, 3000, () => {});
    } finally {
      await seeding.end();
    }
    await insertMember(db.admin, {
      first_name: 'Grace',
      last_name: 'Hopper',
      membership_id: 'Hopper_0cafe',
    });
    await insertManufacturer(db.admin, 'Zenith Tools');
    await insertItem(db.admin, { name: 'Zenith hammer', cost: '24.50', weight: '0.800' });
    for (const team of ['logistics', 'analytics', 'sales', 'admin'] as const)
      people[team] = await db.addPerson(team);
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

  test('logistics records a transaction with running totals and moves it to completed', async () => {
    const page = await session('logistics');
    await shoot(page, 'dashboard-logistics');
    await page.getByRole('menuitem', { name: 'Transactions' }).click();
    await page.getByText(/of 3,?000/).waitFor();
    await shoot(page, 'transactions');
    await page.getByRole('link', { name: 'Record' }).click();
    await pick(page, 'Member', 'Hopper', /Grace Hopper/);
    await pick(page, 'Manufacturer', 'Zenith', /Zenith Tools/);
    await pick(page, 'Item', 'Zenith', /Zenith hammer/);
    await page.getByLabel(/^Quantity/).fill('3');
    await page.getByTestId('running-cost').getByText('73.50').waitFor();
    await page.getByTestId('running-weight').getByText('2.400 kg').waitFor();
    await shoot(page, 'transaction-create');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Grace Hopper').first().waitFor();
    for (const status of ['paid', 'shipped', 'completed']) {
      await page.getByRole('button', { name: `Mark ${status}` }).click();
      await page.getByText(`is now ${status}`).waitFor();
    }
    await page.getByText('73.50').first().waitFor();
    // The buttons follow the record the page fetches again after the notice: wait for that.
    await page.getByRole('button', { name: /Mark / }).first().waitFor({ state: 'detached' });
    assert.equal(
      await page.getByRole('button', { name: /Mark / }).count(),
      0,
      'nothing follows completed',
    );
    await shoot(page, 'transaction-show');
    const stored = await db.admin.query(
      `select total_items_cost, transaction_status from commerce.transactions where membership_id = 'Hopper_0cafe'`,
    );
    assert.deepEqual(stored.rows, [{ total_items_cost: '73.50', transaction_status: 'completed' }]);
  });

  test('logistics pages on through transactions: the next page is asked for by key', async () => {
    const page = await session('logistics');
    await page.getByRole('menuitem', { name: 'Transactions' }).click();
    await page
      .getByText(/of 3,?00\d/)
      .first()
      .waitFor();
    const next = page.waitForResponse((r) => /\/api\/transactions\?.*page=2/.test(r.url()));
    await page.getByRole('button', { name: 'Go to next page' }).click();
    const answer = await next;
    const url = new URL(answer.url());
    assert.ok(url.searchParams.get('after'), `page 2 asked by key: ${url.search}`);
    const perPage = Number(url.searchParams.get('per_page'));
    const expected = await db.admin.query<{ id: number }>(
      'select transaction_id as id from commerce.transactions order by transaction_id desc limit $1 offset $1',
      [perPage],
    );
    const body = (await answer.json()) as { data: { transaction_id: number }[] };
    assert.deepEqual(
      body.data.map((r) => r.transaction_id),
      expected.rows.map((r) => r.id),
    );
    await page.getByRole('cell', { name: String(expected.rows[0]?.id), exact: true }).waitFor();
  });

  test('sales adds an item and retires it, and cannot reach transactions', async () => {
    const page = await session('sales');
    await page.getByRole('menuitem', { name: 'Items' }).click();
    await page.getByRole('link', { name: 'Create' }).click();
    // Labels from the start: the list behind the form has "Sort by name" buttons, and a required
    // field's label ends in an asterisk.
    await page.getByLabel(/^Name/).fill('Browser-made kettle');
    await page.getByLabel(/^Cost/).fill('12.90');
    await page.getByLabel(/^Weight \(kg\)/).fill('1.1');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('input[name=q]').fill('Browser-made');
    const row = page.getByRole('row', { name: /Browser-made kettle/ });
    await page.getByText('1-1 of 1').waitFor();
    await shoot(page, 'items');
    await row.getByRole('button', { name: 'Retire' }).click();
    await page.getByText('can no longer be sold').waitFor();
    const stored = await db.admin.query(
      `select deleted_at is not null as retired from commerce.items where item_name = 'Browser-made kettle'`,
    );
    assert.deepEqual(stored.rows, [{ retired: true }]);
    assert.equal(await page.getByRole('menuitem', { name: 'Transactions' }).count(), 0);
    assert.equal(await page.getByRole('menuitem', { name: 'Members' }).count(), 0);
    await page.goto(`${baseUrl}/#/transactions`);
    await page
      .getByText(/not found|doesn't exist/i)
      .first()
      .waitFor();
    const direct = await page.request.get(`${baseUrl}/api/transactions`);
    assert.equal(direct.status(), 403);
    const members = await page.request.get(`${baseUrl}/api/memberships`);
    assert.equal(members.status(), 403);
  });

  test('analytics browses members without contact details and reads the reports', async () => {
    const page = await session('analytics');
    await page.getByRole('menuitem', { name: 'Members' }).click();
    await page.getByRole('columnheader', { name: 'Last name' }).waitFor();
    assert.equal(await page.getByRole('columnheader', { name: 'Email' }).count(), 0);
    await shoot(page, 'members');
    await page.getByRole('menuitem', { name: 'Reports' }).click();
    const topMembers = page.getByRole('table', { name: 'Top members' });
    await topMembers.getByRole('row').nth(10).waitFor();
    await page.locator('.recharts-bar-rectangle').first().waitFor();
    await shoot(page, 'reports');
    const csv = await page.request.get(`${baseUrl}/api/memberships?format=csv`);
    assert.equal(
      (await csv.text()).split('\n')[0],
      'membership_id,first_name,last_name,date_of_birth,created_at',
    );
  });

  test('an administrator adds a person and reads the audit log', async () => {
    const page = await session('admin');
    await page.getByText('grants match the declared policy').waitFor();
    await shoot(page, 'dashboard-admin');
    await page.getByRole('menuitem', { name: 'People' }).click();
    await page.getByRole('link', { name: 'Add person' }).click();
    const login = `ui_${Date.now().toString(36)}`;
    // The list behind the form has a "Sort by login" button: ask for the text box by its exact name.
    await page.getByRole('textbox', { name: 'Login', exact: true }).fill(login);
    await page.getByRole('combobox', { name: 'Team' }).click();
    await page.getByRole('option', { name: 'analytics' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    const shown = await page.getByTestId('new-password').locator('code').textContent();
    try {
      assert.ok(shown && shown.length >= 20);
      const check = await connect(
        db.url.replace(/\/\/[^@]+@/, `//${login}:${encodeURIComponent(shown)}@`),
      );
      await check.end();
      await page.getByRole('menuitem', { name: 'Audit log' }).click();
      await page.getByRole('row', { name: new RegExp(`person.add.*${login}`) }).waitFor();
      await shoot(page, 'audit');
    } finally {
      await db.admin.query(`drop role if exists ${login}`);
    }
  });

  test('a blocked address gets 403 and no page', async () => {
    const closed = await buildTestPortal(
      db,
      { webRoot: portalWebRoot },
      { PORTAL_ALLOW_CIDRS: '10.99.0.0/16' },
    );
    try {
      const url = await listen(closed, { host: '127.0.0.1', port: 0 });
      const page = await browser.newPage();
      const response = await page.goto(url);
      assert.equal(response?.status(), 403);
      assert.match(await page.content(), /not available from your network/);
    } finally {
      await closed.closeAll();
    }
  });
});
