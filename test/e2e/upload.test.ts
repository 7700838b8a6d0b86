// The upload web app in a real Chromium, talking across origins to the real gateway, which passes
// tus uploads on to the real image API, all on a test database: people sign up, upload photos and
// see only their own.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { addPrincipal } from '../../src/images/gateway/principals.ts';
import type { Db } from '../../src/platform/db/pool.ts';
import {
  browserAvailable,
  launchBrowser,
  screenshots,
  shoot,
  waitForThumbnails,
} from '../helpers/browser.ts';
import { makeImage } from '../helpers/images.ts';
import { startUploadApp, type UploadApp } from '../helpers/upload-app.ts';

const password = 'correct horse battery';
const photos = ['harbour.jpg', 'orchard.jpg', 'mountains.jpg'];

describe('the upload app in a browser', {
  skip: browserAvailable ? false : 'Debian chromium is not installed',
}, () => {
  let app: UploadApp | undefined;
  let webUrl: string;
  let gatewayUrl = '';
  let browser: Browser;
  let folder: string;
  let first: Page;
  const firstEmail = `ada.${Date.now().toString(36)}@example.com`;
  let firstImageIds: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    app = await startUploadApp();
    ({ webUrl, gatewayUrl } = app);
    folder = await mkdtemp(path.join(tmpdir(), 'tessera-upload-e2e-'));
    await Promise.all(
      photos.map(async (name, i) =>
        writeFile(
          path.join(folder, name),
          await makeImage('jpeg', { width: 1600, height: 1200, scene: 11 + i * 7, quality: 85 }),
        ),
      ),
    );
    await writeFile(path.join(folder, 'notes.jpg'), 'Shopping list: eggs, flour, milk.\n');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });
  afterEach(() => assert.deepEqual(pageErrors.splice(0), [], 'the app threw no errors'));

  async function openApp(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(webUrl);
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    return page;
  }

  async function signUp(page: Page, email: string): Promise<void> {
    await page.getByRole('tab', { name: 'Sign up' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('signed-in-as').getByText(email).waitFor();
  }

  /** Calls the gateway from the page, as the app does: the page's own cookie, CORS, credentials. */
  function fetchFromPage(page: Page, url: string) {
    return page.evaluate(async (target) => {
      const response = await fetch(target, { credentials: 'include' });
      return { status: response.status, body: await response.text() };
    }, url);
  }

  test('sign-up explains bad input, then creates the account', async () => {
    first = await openApp();
    await first.getByRole('tab', { name: 'Sign up' }).click();
    await first.getByLabel('Email').fill('ada.example.com');
    await first.getByLabel('Password').fill('short');
    await first.getByRole('button', { name: 'Create account' }).click();
    assert.equal(await first.getByTestId('email-error').textContent(), 'Enter an email address.');
    assert.equal(
      await first.getByTestId('password-error').textContent(),
      'Use at least 10 characters.',
    );
    await shoot(first, 'upload-signup');
    await signUp(first, firstEmail);
    await first.getByTestId('gallery-empty').waitFor();
  });

  test('three photos and a refused file at once: the photos appear, the refusal says why', async () => {
    await first
      .getByTestId('file-input')
      .setInputFiles([...photos, 'notes.jpg'].map((name) => path.join(folder, name)));

    const refusal = first.getByTestId('upload-error');
    await refusal.waitFor();
    assert.match(
      (await refusal.textContent()) ?? '',
      /^This file is not an image in any format we recognise: upload JPEG, PNG/,
    );
    assert.equal(await first.getByTestId('upload-error').count(), 1, 'only the text file fails');
    const refusedRow = first.getByTestId('upload-row').filter({ hasText: 'notes.jpg' });
    assert.equal(await refusedRow.getByRole('button', { name: 'Retry' }).count(), 0);

    const cards = first.getByTestId('image-card');
    await first.locator('[data-testid=upload-row][data-status=done]').nth(2).waitFor();
    await cards.nth(2).waitFor();
    assert.equal(await cards.count(), 3);
    await waitForThumbnails(first, 3);
    for (const card of await cards.all()) {
      assert.equal(await card.getByTestId('image-format').textContent(), 'JPEG');
      assert.match((await card.textContent()) ?? '', /1600 × 1200/);
      assert.match((await card.getByTestId('image-size').textContent()) ?? '', /^\d+ KB$/);
      assert.match(
        (await card.getByTestId('image-expiry').textContent()) ?? '',
        /^Expires in [67] days$/,
      );
    }
    const names = await cards.locator('.card-name').allTextContents();
    assert.deepEqual([...names].sort(), [...photos].sort());

    // The upload's id came back in Tessera-Image-Id, readable across origins.
    firstImageIds = await cards.evaluateAll((nodes) =>
      nodes.map((node) => node.getAttribute('data-image-id') ?? ''),
    );
    const uploadedIds = await first
      .locator('[data-testid=upload-row][data-status=done]')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-image-id') ?? ''));
    assert.deepEqual([...uploadedIds].sort(), [...firstImageIds].sort());
    await first.waitForLoadState('networkidle');
    await first.screenshot({ path: path.join(screenshots, 'upload-gallery.png'), fullPage: true });

    await first.reload();
    await cards.nth(2).waitFor();
    assert.equal(await cards.count(), 3, 'still there after a reload');
    await waitForThumbnails(first, 3);
  });

  test('the preview opens in a lightbox and the original in a new tab', async () => {
    const card = first.getByTestId('image-card').first();
    const id = (await card.getAttribute('data-image-id')) ?? '';
    await card.getByRole('button', { name: 'Preview' }).click();
    const lightbox = first.getByTestId('lightbox');
    await lightbox.getByTestId('preview').waitFor();
    assert.ok(
      await lightbox
        .getByTestId('preview')
        .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    );
    const link = lightbox.getByRole('link', { name: 'Open original' });
    assert.equal(await link.getAttribute('href'), `${gatewayUrl}/api/images/${id}`);
    const [tab, original] = await Promise.all([
      first.context().waitForEvent('page'),
      first.context().waitForEvent('response', (r) => r.url() === `${gatewayUrl}/api/images/${id}`),
      link.click(),
    ]);
    // A navigation from the app's port to the gateway's is same-site: the SameSite=Strict cookie goes.
    assert.equal(original.status(), 200);
    assert.equal(original.headers()['content-type'], 'image/jpeg');
    await tab.close();
    await first.keyboard.press('Escape');
    await lightbox.waitFor({ state: 'detached' });
  });

  test('another person sees none of them, in the page or through the API', async () => {
    const second = await openApp();
    await second.getByRole('tab', { name: 'Sign up' }).click();
    await second.getByLabel('Email').fill(firstEmail);
    await second.getByLabel('Password').fill(password);
    await second.getByRole('button', { name: 'Create account' }).click();
    assert.match(
      (await second.getByTestId('email-error').textContent()) ?? '',
      /already taken/,
      'a taken email is refused at its field',
    );
    await signUp(second, `grace.${Date.now().toString(36)}@example.com`);
    await second.getByTestId('gallery-empty').waitFor();
    assert.equal(await second.getByTestId('image-card').count(), 0);

    const list = await fetchFromPage(second, `${gatewayUrl}/api/images`);
    assert.equal(list.status, 200);
    assert.deepEqual(JSON.parse(list.body), { data: [], total: 0 });
    for (const id of firstImageIds) {
      for (const variant of ['', '/thumbnail', '/info']) {
        const peek = await fetchFromPage(second, `${gatewayUrl}/api/images/${id}${variant}`);
        assert.equal(peek.status, 404, `${id}${variant} is not found for someone else`);
      }
    }
    await second.context().close();
  });

  test('the owner deletes an image after confirming, and signs out', async () => {
    const card = first.getByTestId('image-card').first();
    const id = (await card.getAttribute('data-image-id')) ?? '';
    await card.getByRole('button', { name: 'Delete' }).click();
    await card.getByText('Delete?').waitFor();
    await card.getByRole('button', { name: 'Delete' }).click();
    await first.locator(`[data-image-id="${id}"]`).waitFor({ state: 'detached' });
    assert.equal(await first.getByTestId('image-card').count(), 2);
    const gone = await fetchFromPage(first, `${gatewayUrl}/api/images/${id}/info`);
    assert.equal(gone.status, 410);

    await first.getByRole('button', { name: 'Sign out' }).click();
    await first.getByRole('heading', { name: 'Welcome back' }).waitFor();
    const after = await fetchFromPage(first, `${gatewayUrl}/api/images`);
    assert.equal(after.status, 401);
    await first.getByLabel('Email').fill(firstEmail);
    await first.getByLabel('Password').fill('not the password');
    await first.getByRole('button', { name: 'Sign in' }).click();
    assert.equal(await first.getByTestId('auth-error').textContent(), 'Wrong email or password.');
    await first.getByLabel('Password').fill(password);
    await first.getByRole('button', { name: 'Sign in' }).click();
    await first.getByTestId('image-card').nth(1).waitFor();
    assert.equal(await first.getByTestId('image-card').count(), 2);
  });

  test('a principal added by name (tessera principals add uma) signs in with that name', async () => {
    const name = `uma${Date.now().toString(36)}`;
    await addPrincipal(app?.testbed.bed.db as Db, { name, role: 'user', password });
    const page = await openApp();
    await page.getByLabel('Email or name').fill(name);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').getByText(name).waitFor();
    await page.close();
  });
});
