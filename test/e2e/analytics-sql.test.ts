// The analysts' SQL tab of the web app in a real Chromium, through the gateway and the image API:
// opened with an analytics SQL login, it completes the analytics views' names, runs a query, and
// the database refuses what the login may not read.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createAnalyticsLogin } from '../../src/images/analytics/logins.ts';
import { addPrincipal } from '../../src/images/gateway/principals.ts';
import { browserAvailable, launchBrowser, screenshots } from '../helpers/browser.ts';
import { startUploadApp, type UploadApp } from '../helpers/upload-app.ts';

describe('the analysts’ SQL workspace in a browser', {
  skip: browserAvailable ? false : 'Debian chromium is not installed',
}, () => {
  let app: UploadApp | undefined;
  let browser: Browser;
  const email = 'sql.analyst@example.com';
  const password = 'a long enough password 42';
  const login = `bi_${randomBytes(4).toString('hex')}`;
  let loginPassword = '';

  before(async () => {
    app = await startUploadApp();
    const db = app.testbed.bed.db;
    await addPrincipal(db, { name: email, role: 'analyst', password });
    const url = await createAnalyticsLogin(db, app.testbed.bed.database.url, login);
    loginPassword = decodeURIComponent(new URL(url).password);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  test('an analyst opens it with the analytics login, completes, runs, and is refused images.*', async () => {
    const page = await (
      await browser.newContext({ viewport: { width: 1400, height: 900 } })
    ).newPage();
    await page.goto(app?.webUrl ?? '');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').getByText(email).waitFor();
    await page.goto(`${app?.webUrl}#/analytics/sql`);
    await page.getByLabel('Analytics login').fill(login);
    await page.locator('input[name=sql-password]').fill(loginPassword);
    await page.getByRole('button', { name: 'Open' }).click();
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('select current_user, count(*) from analytics.imag');
    // Chosen with the mouse: Enter raced the list's refresh (it came as a new line on PG15).
    await page
      .locator('.cm-tooltip-autocomplete li', { hasText: /^images/ })
      .first()
      .click();
    await page.keyboard.press('Control+Enter');
    await page
      .getByTestId('sql-summary')
      .getByText(/^1 rows in/)
      .waitFor();
    assert.match((await page.locator('.sql-result tbody').textContent()) ?? '', new RegExp(login));
    await page.getByRole('button', { name: 'Plan' }).click();
    await page.getByTestId('sql-plan').waitFor();
    await page.screenshot({ path: path.join(screenshots, 'analytics-sql.png') });

    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('select * from images.images');
    await page.keyboard.press('Control+Enter');
    await page
      .getByTestId('sql-error')
      .getByText(/permission denied for schema images/)
      .waitFor();
    await page.screenshot({ path: path.join(screenshots, 'analytics-sql-refused.png') });
  });
});
