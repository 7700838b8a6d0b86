// The analytics view of the web app in a real Chromium, through the real gateway and image API on
// a test database: an analyst sees the figures and charts of images a user uploaded, filters them,
// downloads a chart's CSV, explores the images and finds the near-duplicate pair; a user sees no
// analytics at all.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { addPrincipal, createKey } from '../../src/images/gateway/principals.ts';
import { intake } from '../../src/images/intake.ts';
import type { ImageFormat } from '../../src/images/processing/sniff.ts';
import {
  browserAvailable,
  launchBrowser,
  screenshots,
  waitForThumbnails,
} from '../helpers/browser.ts';
import type { GatewayTestbed } from '../helpers/gateway.ts';
import { type ImageOptions, makeImage, seededBytes } from '../helpers/images.ts';
import { until } from '../helpers/until.ts';
import { startUploadApp, type UploadApp } from '../helpers/upload-app.ts';

const password = 'correct horse battery';
const analystEmail = 'ann.analyst@example.com';
const userEmail = 'ada.user@example.com';
const canon = { make: 'Canon', model: 'EOS R5', takenAt: '2025:06:14 09:30:00' };

/** What the user uploads: several formats, sizes and resolutions, and one picture twice. */
const uploads: Array<{ name: string; format: ImageFormat; options: ImageOptions }> = [
  {
    name: 'harbour.jpg',
    format: 'jpeg',
    options: { width: 1600, height: 1200, scene: 11, quality: 92, exif: canon },
  },
  {
    name: 'orchard.jpg',
    format: 'jpeg',
    options: { width: 3000, height: 2000, scene: 18, exif: { make: 'FUJIFILM', model: 'X-T5' } },
  },
  { name: 'logo.png', format: 'png', options: { width: 800, height: 600, scene: 23, alpha: true } },
  { name: 'dunes.webp', format: 'webp', options: { width: 1200, height: 900, scene: 37 } },
  { name: 'spinner.gif', format: 'gif', options: { width: 320, height: 240, scene: 41 } },
  { name: 'sky.avif', format: 'avif', options: { width: 1024, height: 768, scene: 53 } },
  { name: 'scan.tiff', format: 'tiff', options: { width: 640, height: 480, scene: 61 } },
];
const streamOwner = 'feed.harbour-cam';

describe('the analytics view in a browser', {
  skip: browserAvailable ? false : 'Debian chromium is not installed',
}, () => {
  let app: UploadApp | undefined;
  let webUrl: string;
  let gatewayUrl = '';
  let testbed: GatewayTestbed;
  let browser: Browser;
  let analyst: Page;
  let userId = '';
  const ids = new Map<string, string>();
  const pageErrors: string[] = [];

  before(async () => {
    app = await startUploadApp();
    ({ webUrl, gatewayUrl, testbed } = app);
    const db = testbed.bed.db;
    await addPrincipal(db, { name: analystEmail, role: 'analyst', password });
    userId = (await addPrincipal(db, { name: userEmail, role: 'user', password })).principal_id;
    const key = await createKey(db, userEmail, 'e2e', ['images:read', 'images:write']);

    // Through the gateway and the image API's upload route, as any client uploads.
    const send = async (name: string, bytes: Buffer, type: string) => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
      const response = await fetch(`${gatewayUrl}/api/images`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: form,
      });
      return { status: response.status, body: (await response.json()) as { id?: string } };
    };
    for (const { name, format, options } of uploads) {
      const sent = await send(name, await makeImage(format, options), `image/${format}`);
      assert.equal(sent.status, 201, `${name} is stored`);
      ids.set(name, sent.body.id ?? '');
    }
    // The first picture again, smaller, brighter and at a lower quality: its near-duplicate
    // (4 bits apart), with its EXIF kept.
    const harbour = await makeImage('jpeg', { ...uploads[0]?.options, width: 1280, height: 960 });
    const brighter = await sharp(harbour)
      .modulate({ brightness: 1.15 })
      .keepExif()
      .jpeg({ quality: 70 })
      .toBuffer();
    const twin = await send('harbour-bright.jpg', brighter, 'image/jpeg');
    assert.equal(twin.status, 201);
    ids.set('harbour-bright.jpg', twin.body.id ?? '');
    // Noise hardly compresses: a PNG of 1 – 5 MB for the size chart.
    const noise = await sharp(seededBytes(900 * 700 * 3, 5), {
      raw: { width: 900, height: 700, channels: 3 },
    })
      .png()
      .toBuffer();
    const noisy = await send('noise.png', noise, 'image/png');
    assert.equal(noisy.status, 201);
    ids.set('noise.png', noisy.body.id ?? '');
    const refused = await send('notes.jpg', Buffer.from('Shopping list: eggs.\n'), 'image/jpeg');
    assert.ok(refused.status >= 400 && refused.status < 500, 'a text file is refused');
    // One from the stream, which takes the same intake as the upload route.
    const streamed = await intake(testbed.bed, {
      owner: streamOwner,
      source: 'stream',
      bytes: await makeImage('webp', { width: 1920, height: 1080, scene: 71 }),
      stream: { topic: 'images.harbour-cam', partition: 0, offset: '42' },
    });
    ids.set('stream.webp', streamed.imageId);
    // Two images due to expire within the next 24 hours.
    await db.query(
      `update images.images set expires_at = now() + ($2::int * interval '1 hour')
       where image_id = $1`,
      [ids.get('spinner.gif'), 3],
    );
    await db.query(
      `update images.images set expires_at = now() + ($2::int * interval '1 hour')
       where image_id = $1`,
      [ids.get('scan.tiff'), 17],
    );
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });
  afterEach(() => assert.deepEqual(pageErrors.splice(0), [], 'the app threw no errors'));

  async function signIn(email: string, width = 1440, height = 900): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(webUrl);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').getByText(email).waitFor();
    return page;
  }

  const figure = (page: Page, id: string) =>
    page.getByTestId(`figure-${id}`).getByTestId('figure-value');

  async function figureIs(page: Page, id: string, value: string): Promise<void> {
    await figure(page, id)
      .filter({ hasText: new RegExp(`^${escapeRegExp(value)}$`) })
      .waitFor();
  }

  /** Every chart has loaded (and drawn, or said it has nothing to draw); animations are over. */
  async function chartsSettled(page: Page): Promise<void> {
    // The app's CSP allows no eval, so no string predicates: locators wait instead.
    await page.locator('[data-testid^="chart-"][data-state="loading"]').first().waitFor({
      state: 'detached',
    });
    await page.locator('.chart-body.refreshing').first().waitFor({ state: 'detached' });
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(700);
  }

  async function shoot(page: Page, name: string, fullPage = true): Promise<void> {
    await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage });
  }

  test('an analyst sees the key figures and every chart drawn from the uploads', async () => {
    analyst = await signIn(analystEmail);
    const link = analyst.getByRole('navigation', { name: 'Views' }).getByRole('link', {
      name: 'Analytics',
    });
    await link.click();
    await analyst.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    assert.match(analyst.url(), /#\/analytics/);

    await figureIs(analyst, 'in-range', '10');
    assert.equal(await figure(analyst, 'stored').textContent(), '10');
    assert.equal(await figure(analyst, 'last-day').textContent(), '10');
    assert.equal(await figure(analyst, 'last-week').textContent(), '10');
    assert.equal(await figure(analyst, 'refusal-rate').textContent(), '9.1%');
    assert.match(
      (await analyst.getByTestId('figure-refusal-rate').textContent()) ?? '',
      /1 upload refused/,
    );
    assert.equal(await figure(analyst, 'expiring').textContent(), '2');
    // The default range is the last 30 days, and says so.
    assert.equal(
      await analyst.getByRole('button', { name: '30 days' }).getAttribute('aria-pressed'),
      'true',
    );

    await chartsSettled(analyst);
    for (const chart of ['uploads', 'sizes', 'dimensions', 'cameras', 'refusals', 'expiring']) {
      const card = analyst.getByTestId(`chart-${chart}`);
      assert.equal(await card.getAttribute('data-state'), 'ready', `${chart} has data`);
      assert.ok(
        (await card.locator('svg .recharts-bar-rectangle path').count()) > 0,
        `${chart} draws bars`,
      );
    }
    const formats = analyst.getByTestId('chart-formats');
    assert.equal(await formats.locator('svg .recharts-pie-sector path').count(), 6, 'six formats');
    const shares = await formats.getByTestId('format-share').allTextContents();
    assert.equal(shares[0], 'JPEG330%');
    // Both sources appear in the uploads chart's legend, and the Canon pair leads the cameras.
    assert.match(
      (await analyst.getByTestId('chart-uploads').textContent()) ?? '',
      /Upload.*Stream/,
    );
    assert.deepEqual(
      (
        await analyst
          .getByTestId('chart-cameras')
          .locator('.recharts-yAxis-tick-labels text')
          .allTextContents()
      ).slice(0, 2),
      ['Canon EOS R5', 'FUJIFILM X-T5'],
    );
    await shoot(analyst, 'analytics-overview');
    await shoot(analyst, 'analytics-overview-fold', false);
  });

  test('a format filter changes the figures and charts, and a reload keeps it', async () => {
    await analyst.getByLabel('Format', { exact: true }).selectOption('png');
    await figureIs(analyst, 'in-range', '2');
    assert.match(analyst.url(), /format=png/);
    assert.equal(await figure(analyst, 'stored').textContent(), '2');
    // Refusals have no format: the one refusal stays, against fewer images.
    assert.equal(await figure(analyst, 'refusal-rate').textContent(), '33.3%');
    await chartsSettled(analyst);
    // The format mix holds PNG alone: 2 images, all of them.
    assert.deepEqual(await analyst.getByTestId('format-share').allTextContents(), ['PNG2100%']);
    await analyst.reload();
    await figureIs(analyst, 'in-range', '2');
    assert.equal(await analyst.getByLabel('Format', { exact: true }).inputValue(), 'png');

    // The owner filter: the user's own images leave out the streamed one.
    await analyst.getByLabel('Format', { exact: true }).selectOption('');
    await analyst.getByLabel('Owner', { exact: true }).fill(userId);
    await figureIs(analyst, 'in-range', '9');
    await analyst.getByRole('button', { name: 'Clear' }).click();
    await figureIs(analyst, 'in-range', '10');
    assert.equal(await analyst.getByLabel('Owner', { exact: true }).inputValue(), '');
  });

  test("a chart's CSV downloads with its header and rows", async () => {
    await chartsSettled(analyst);
    const link = analyst.getByRole('link', { name: 'Download formats CSV' });
    assert.match(
      (await link.getAttribute('href')) ?? '',
      /\/api\/analytics\/charts\/formats\.csv\?from=/,
    );
    const [download] = await Promise.all([analyst.waitForEvent('download'), link.click()]);
    assert.equal(download.suggestedFilename(), 'tessera-formats.csv');
    const text = await readFile((await download.path()) ?? '', 'utf8');
    const [header, ...rows] = text.trim().split(/\r?\n/);
    assert.equal(header, 'format,images,bytes');
    const counts = Object.fromEntries(
      rows.map((row) => {
        const [format, images] = row.split(',');
        return [format, Number(images)];
      }),
    );
    assert.deepEqual(counts, { jpeg: 3, png: 2, webp: 2, gif: 1, avif: 1, tiff: 1 });
    // The page stayed where it was.
    await analyst.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
  });

  test('the explorer shows the stored images, filtered on their metadata', async () => {
    await analyst
      .getByRole('navigation', { name: 'Analytics views' })
      .getByRole('link', {
        name: 'Explorer',
      })
      .click();
    const tiles = analyst.getByTestId('explorer-image');
    await tiles.nth(9).waitFor();
    assert.equal(await tiles.count(), 10);
    await waitForThumbnails(analyst, 10);
    await analyst.waitForLoadState('networkidle');
    await analyst.waitForTimeout(300); // the thumbnails' fade-in
    await shoot(analyst, 'analytics-explorer');

    await analyst.getByLabel('Camera make').fill('Canon');
    await analyst.getByRole('button', { name: 'Apply filters' }).click();
    await until('two Canon images', async () => (await tiles.count()) === 2, 15_000);
    const shown = await tiles.evaluateAll((nodes) =>
      nodes.map((node) => node.getAttribute('data-image-id')),
    );
    assert.deepEqual(
      [...shown].sort(),
      [ids.get('harbour.jpg'), ids.get('harbour-bright.jpg')].sort(),
    );
    assert.match(analyst.url(), /camera_make=Canon/);
    await analyst.getByRole('button', { name: 'Reset' }).click();
    await tiles.nth(9).waitFor();
  });

  test('the near-duplicates view finds the picture saved twice', async () => {
    await analyst
      .getByRole('navigation', { name: 'Analytics views' })
      .getByRole('link', {
        name: 'Near-duplicates',
      })
      .click();
    const groups = analyst.getByTestId('duplicate-group');
    await groups.first().waitFor();
    assert.equal(await groups.count(), 1, 'only the saved-twice picture has a near twin');
    const members = await groups
      .first()
      .getByTestId('explorer-image')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-image-id')));
    assert.deepEqual(
      [...members].sort(),
      [ids.get('harbour.jpg'), ids.get('harbour-bright.jpg')].sort(),
    );
    for (const hash of await groups.first().getByTestId('perceptual-hash').allTextContents())
      assert.match(hash, /^[0-9a-f]{16}$/);
    await waitForThumbnails(analyst, 2);
    await analyst.waitForLoadState('networkidle');
    await analyst.waitForTimeout(300); // the thumbnails' fade-in
    await shoot(analyst, 'analytics-near-duplicates');

    assert.match((await groups.first().textContent()) ?? '', /within 4 bits/);

    // Closer than 4 bits, the pair is no longer a group; the distance goes into the URL.
    await analyst.getByTestId('distance').fill('2');
    await analyst.getByTestId('duplicates-empty').waitFor();
    assert.match(analyst.url(), /distance=2/);
    assert.equal(await groups.count(), 0);
  });

  test('the dashboard still reads at 1024 pixels wide', async () => {
    const narrow = await signIn(analystEmail, 1024, 768);
    await narrow.goto(`${webUrl}/#/analytics?range=all`);
    await figureIs(narrow, 'in-range', '10');
    assert.equal(
      await narrow.getByRole('button', { name: 'All time' }).getAttribute('aria-pressed'),
      'true',
    );
    await chartsSettled(narrow);
    await shoot(narrow, 'analytics-overview-1024');
    await narrow.context().close();
  });

  test('a user sees no analytics link, and the view explains why when reached anyway', async () => {
    const user = await signIn(userEmail);
    await user.getByRole('heading', { name: 'My images' }).waitFor();
    assert.equal(await user.getByRole('link', { name: 'Analytics' }).count(), 0);
    await user.goto(`${webUrl}/#/analytics`);
    const refused = user.getByTestId('analytics-forbidden');
    await refused.waitFor();
    assert.match((await refused.textContent()) ?? '', /for analysts/);
    await shoot(user, 'analytics-forbidden', false);
    const api = await user.evaluate(async (url) => {
      const response = await fetch(url, { credentials: 'include' });
      return response.status;
    }, `${gatewayUrl}/api/analytics/summary`);
    assert.equal(api, 403);
    await user.context().close();
  });

  // Last: it adds images the figures above do not count.
  test('a large group of near-duplicates shows its first images and how many more', async () => {
    await testbed.bed.db.query(
      `insert into images.images (image_id, owner_id, source, sha256, format, bytes, width, height,
                                  colour_space, has_alpha, dominant_colour, thumbhash,
                                  perceptual_hash, expires_at)
       select gen_random_uuid(), 'copier', 'upload', encode(sha256(('copy-' || n)::bytea), 'hex'),
              format, bytes, width, height, colour_space, has_alpha, dominant_colour, thumbhash,
              perceptual_hash, expires_at
       from images.images, generate_series(1, 30) as n
       where image_id = $1`,
      [ids.get('harbour.jpg')],
    );
    const page = await signIn(analystEmail);
    await page.goto(`${webUrl}/#/analytics/near-duplicates?range=all&distance=4`);
    const group = page.getByTestId('duplicate-group');
    await group.first().waitFor();
    assert.equal(await group.count(), 1);
    // The two uploads and thirty copies: 24 shown, oldest first (the uploads), and 8 more.
    assert.match((await group.first().textContent()) ?? '', /32 images/);
    assert.equal(await group.first().getByTestId('explorer-image').count(), 24);
    assert.equal(await group.first().getByTestId('duplicate-more').textContent(), 'and 8 more');
    await page.context().close();
  });
});

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
