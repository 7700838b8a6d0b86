// Debian's Chromium driven by playwright-core: no browser is ever downloaded.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { until } from './until.ts';

export const screenshots = path.resolve('test/e2e/screenshots');

export async function launchBrowser(): Promise<Browser> {
  await mkdir(screenshots, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export const browserAvailable = existsSync('/usr/bin/chromium');

/** The UI as `npm start` serves it: built now if its sources changed since the last build. */
export function buildUi(): void {
  execFileSync(process.execPath, ['web/build-if-stale.ts'], { stdio: 'inherit' });
}

export async function signInThroughUi(
  page: Page,
  baseUrl: string,
  login: string,
  password: string,
): Promise<void> {
  await page.goto(`${baseUrl}/#/login`);
  await page.locator('input[name=username]').fill(login);
  await page.locator('input[name=password]').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Welcome, ${login}`).waitFor();
}

/** A fresh browser context of the usual size, signed in to the portal at `baseUrl` as `person`. */
export async function signedInPage(
  browser: Browser,
  baseUrl: string,
  person: { login: string; password: string } | undefined,
): Promise<Page> {
  if (!person) throw new Error('no such person in this test');
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await signInThroughUi(page, baseUrl, person.login, person.password);
  return page;
}

export async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: path.join(screenshots, `${name}.png`) });
}

/** Picks an option of a react-admin autocomplete by typing part of its text. */
export async function pick(
  page: Page,
  label: string,
  typed: string,
  option: RegExp,
): Promise<void> {
  const input = page.getByRole('combobox', { name: label }).last();
  const choice = page.getByRole('option', { name: option }).first();
  // Text typed before the autocomplete has loaded its choices can be lost (a loaded machine shows
  // it): type again, up to three times, before giving up.
  for (let attempt = 1; ; attempt++) {
    await input.click();
    await input.fill('');
    await input.fill(typed);
    try {
      await choice.waitFor({ timeout: 10_000 });
      break;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  await choice.click();
}

/**
 * Waits until `count` thumbnails have loaded. Polled from here: the apps' CSP forbids eval, so a
 * string predicate (page.waitForFunction) would fail in the page.
 */
export async function waitForThumbnails(page: Page, count: number): Promise<void> {
  await until(
    `${count} thumbnails`,
    async () => {
      const loaded = await page.getByTestId('thumbnail').evaluateAll(
        (images) =>
          images.filter((img) => {
            const { complete, naturalWidth } = img as unknown as {
              complete: boolean;
              naturalWidth: number;
            };
            return complete && naturalWidth > 0;
          }).length,
      );
      return loaded >= count;
    },
    15_000,
  );
}
