// The query workspace in a real Chromium: a logistics person writes a query with autocompletion,
// runs it, reads the rows and the plan, and shares it; a sales person runs the shared query and
// the database refuses it in words.
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
  shoot,
  signedInPage,
} from '../helpers/browser.ts';
import { createTestDatabase, type TestDatabase, type TestPerson } from '../helpers/database.ts';
import { buildTestPortal, type TestPortal } from '../helpers/portal.ts';

describe('the query workspace in a browser', {
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
      await seedDemo(seeding, 300, () => {});
    } finally {
      await seeding.end();
    }
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

  async function openWorkspace(team: string): Promise<Page> {
    const page = await signedInPage(browser, baseUrl, people[team]);
    const person = people[team] as TestPerson;
    await page.getByRole('menuitem', { name: 'Query' }).click();
    await page.getByLabel('Database password').fill(person.password);
    await page.getByRole('button', { name: 'Open' }).click();
    await page.locator('.cm-content').waitFor();
    return page;
  }

  test('logistics writes a query with autocompletion, runs it, opens the plan and shares it', async () => {
    const page = await openWorkspace('logistics');
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('select transaction_id, transaction_status from commerce.transactio');
    // Completion from /api/sql/schema: the tables this person may read.
    const option = page.locator('.cm-tooltip-autocomplete li', { hasText: /^transactions/ });
    await option.first().waitFor();
    await shoot(page, 'query-autocomplete');
    await page.keyboard.press('Enter');
    await page.keyboard.type(' order by transaction_id limit 25');
    assert.match(
      (await page.locator('.cm-content').textContent()) ?? '',
      /from commerce\.transactions order by transaction_id limit 25/,
    );
    await page.keyboard.press('Control+Enter');
    await page
      .getByTestId('result-summary')
      .getByText(/^25 rows in/)
      .waitFor();
    const firstRow = page.getByRole('row').nth(1);
    assert.match(
      (await firstRow.textContent()) ?? '',
      /^11(pending|paid|shipped|completed|cancelled)$/,
    );
    await shoot(page, 'query-result');

    await page.getByRole('button', { name: 'Plan', exact: true }).click();
    await page.getByTestId('plan-node').first().waitFor();
    assert.match((await page.getByTestId('plan').textContent()) ?? '', /Limit/);
    await shoot(page, 'query-plan');

    await page.getByRole('button', { name: 'Save…' }).click();
    await page.getByLabel('Name').fill('First transactions');
    await page.getByLabel('Description').fill('the oldest 25');
    await page.getByLabel(/^Shared/).check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('saved-query').getByText('First transactions').waitFor();
    const saved = await db.admin.query(`select owner, shared from portal.saved_queries`);
    assert.deepEqual(saved.rows, [{ owner: people.logistics?.login, shared: true }]);
  });

  test('sales sees the shared query and, running it, is refused by the database in words', async () => {
    const page = await openWorkspace('sales');
    await page.getByTestId('saved-query').getByText('First transactions').click();
    const refusal = page.getByTestId('refusal');
    await refusal.getByText(/permission denied for table transactions/).waitFor();
    assert.match((await refusal.textContent()) ?? '', /SQLSTATE 42501/);
    assert.equal(await page.getByTestId('result-summary').count(), 0, 'no rows are shown');
    await shoot(page, 'query-refused');
  });
});
