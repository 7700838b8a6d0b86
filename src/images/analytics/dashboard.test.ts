import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { createGatewayTestbed, type GatewayTestbed } from '../../../test/helpers/gateway.ts';
import { makeImage } from '../../../test/helpers/images.ts';
import { addPrincipal, createKey } from '../gateway/principals.ts';
import { intake } from '../intake.ts';
import { ImageRefusal } from '../processing/refusal.ts';
import { chartNames, type NearDuplicates } from './contract.ts';
import { chart, type Filters, summary } from './dashboard.ts';
import { seedDemoImages } from './seed-demo.ts';

// The demo history (past days, rolled up) plus real images taken in today (not rolled up yet).
describe('the analytics dashboard', () => {
  let t: GatewayTestbed;
  let analystKey: string;
  let userKey: string;
  let userId: string;
  const get = (url: string, key = analystKey) =>
    t.gateway.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

  before(async () => {
    t = await createGatewayTestbed();
    await addPrincipal(t.bed.db, { name: 'ann', role: 'analyst' });
    analystKey = await createKey(t.bed.db, 'ann', 'bi', ['images:read']);
    userId = (await addPrincipal(t.bed.db, { name: 'ada', role: 'user' })).principal_id;
    userKey = await createKey(t.bed.db, 'ada', 'laptop', ['images:read', 'images:write']);
    await seedDemoImages(t.bed.db, {
      images: 3000,
      days: 30,
      owners: 40,
      retention: t.bed.retention,
    });
    for (const [i, format] of (['jpeg', 'png', 'webp'] as const).entries())
      await intake(t.bed, {
        owner: userId,
        source: 'upload',
        bytes: await makeImage(format, { width: 300 + i, height: 200, scene: 40 + i }),
      });
    await intake(t.bed, {
      owner: userId,
      source: 'upload',
      bytes: Buffer.from('not a picture'),
    }).catch((error) => assert.ok(error instanceof ImageRefusal));
  });
  after(() => t.close());

  const count = async (where: string, params: unknown[] = []) =>
    Number(
      (
        await t.bed.db.query<{ n: string }>(
          `select count(*) as n from analytics.images where ${where}`,
          params,
        )
      ).rows[0]?.n,
    );

  test('GET /api/analytics/summary answers an analyst with totals equal to SQL counts', async () => {
    const response = await get('/api/analytics/summary');
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.equal(typeof body.images, 'number');
    assert.equal(body.images, await count('true'));
    assert.equal(body.images, 3003);
    const bytes = await t.bed.db.query<{ b: number }>(
      'select sum(bytes)::bigint as b from analytics.images',
    );
    assert.equal(body.bytes, bytes.rows[0]?.b);
    const byFormat = await t.bed.db.query<{ format: string; n: number }>(
      'select format, count(*)::bigint as n from analytics.images group by format',
    );
    assert.deepEqual(body.byFormat, Object.fromEntries(byFormat.rows.map((r) => [r.format, r.n])));
    assert.equal(body.bySource.upload + body.bySource.stream, body.images);
    assert.equal(body.bySource.stream, await count("source = 'stream'"));
    assert.equal(body.storedNow.images, await count('not expired'));
    assert.equal(body.uploadedLastDay, await count("created_at > now() - interval '1 day'"));
    assert.equal(body.uploadedLastWeek, await count("created_at > now() - interval '7 days'"));
    assert.equal(
      body.expiringNext24h,
      await count("not expired and expires_at <= now() + interval '24 hours'"),
    );
    const refusals = await t.bed.db.query<{ n: number }>(
      'select sum(refusals)::bigint as n from analytics.daily_refusals',
    );
    assert.equal(body.refusals, refusals.rows[0]?.n);
    assert.ok(body.refusals > 0);
    assert.equal(body.refusalRate, body.refusals / (body.refusals + body.images));
  });

  test('every filter gives the figures SQL gives over the same rows', async () => {
    const demoOwner = (
      await t.bed.db.query<{ owner_id: string }>(
        "select owner_id from analytics.images where owner_id like 'demo-%' group by 1 order by count(*) desc limit 1",
      )
    ).rows[0]?.owner_id as string;
    const cases: Array<[Filters, string, unknown[]]> = [
      [{ format: 'png' }, "format = 'png'", []],
      [{ source: 'stream', format: 'jpeg' }, "source = 'stream' and format = 'jpeg'", []],
      [
        { from: day(-10), to: day(-3) },
        'created_at >= $1::date and created_at < $2::date + 1',
        [day(-10), day(-3)],
      ],
      [{ from: day(0) }, 'created_at >= $1::date', [day(0)]],
      [{ owner: demoOwner }, 'owner_id = $1', [demoOwner]],
      [{ owner: userId, format: 'webp' }, "owner_id = $1 and format = 'webp'", [userId]],
    ];
    for (const [filters, where, params] of cases) {
      const figures = await summary(t.bed.db, filters);
      assert.equal(figures.images, await count(where, params), JSON.stringify(filters));
      const uploads = await chart(t.bed.db, 'uploads', filters);
      const perDay = await t.bed.db.query<{ day: string; source: string; images: number }>(
        `select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day, source, count(*)::bigint as images
         from analytics.images where ${where} group by 1, 2 order by 1, 2`,
        params,
      );
      assert.deepEqual(
        uploads.rows.map((r) => ({ day: r.day, source: r.source, images: r.images })),
        perDay.rows,
        `uploads ${JSON.stringify(filters)}`,
      );
      const sizes = await chart(t.bed.db, 'sizes', filters);
      assert.equal(
        sizes.rows.reduce((sum, r) => sum + Number(r.images), 0),
        figures.images,
        `sizes ${JSON.stringify(filters)}`,
      );
      const small = await count(`(${where}) and bytes < 102400`, params);
      assert.equal(sizes.rows[0]?.images, small);
    }
  });

  test('the histograms list every bucket in order; cameras and refusals match SQL', async () => {
    const dimensions = await chart(t.bed.db, 'dimensions', {});
    assert.deepEqual(
      dimensions.rows.map((r) => r.bucket),
      ['< 1 MP', '1 – 4 MP', '4 – 12 MP', '12 – 24 MP', '≥ 24 MP'],
    );
    assert.equal(dimensions.rows[0]?.images, await count('width::bigint * height < 1000000'));
    const cameras = await chart(t.bed.db, 'cameras', {});
    const expected = await t.bed.db.query<{ camera: string; images: number }>(
      `select btrim(concat_ws(' ', camera_make, camera_model)) as camera, count(*)::bigint as images
       from analytics.images where camera_make is not null or camera_model is not null
       group by 1 order by 2 desc, 1 limit 20`,
    );
    assert.deepEqual(cameras.rows, expected.rows);
    const reasons = await chart(t.bed.db, 'refusals', {});
    assert.ok(reasons.rows.some((r) => r.reason === 'not_an_image'));
    const expiring = await chart(t.bed.db, 'expiring', {});
    assert.equal(expiring.rows.length, 24);
    assert.equal(
      expiring.rows.reduce((sum, r) => sum + Number(r.images), 0),
      (await summary(t.bed.db, {})).expiringNext24h,
    );
  });

  test('a user principal gets 403 on every /api/analytics/ route', async () => {
    for (const url of [
      '/api/analytics/summary',
      ...chartNames.map((name) => `/api/analytics/charts/${name}`),
      '/api/analytics/charts/formats.csv',
      '/api/analytics/images',
      '/api/analytics/near-duplicates',
    ]) {
      const response = await get(url, userKey);
      assert.equal(response.statusCode, 403, url);
      assert.equal(response.json().code, 'analysts_only');
    }
    assert.equal(
      (await t.gateway.inject({ method: 'GET', url: '/api/analytics/summary' })).statusCode,
      401,
    );
  });

  test("every chart's data downloads as CSV with the same rows", async () => {
    const csvAndJson = async (name: string) => {
      const json = (await get(`/api/analytics/charts/${name}?format=jpeg`)).json();
      const response = await get(`/api/analytics/charts/${name}.csv?format=jpeg`);
      assert.equal(response.statusCode, 200, name);
      assert.match(response.headers['content-type'] as string, /^text\/csv/);
      assert.match(
        response.headers['content-disposition'] as string,
        new RegExp(`tessera-${name}\\.csv`),
      );
      return {
        rows: parse(response.body, { columns: true }) as Array<Record<string, string>>,
        expected: json.rows.map((r: Record<string, unknown>) =>
          Object.fromEntries(json.columns.map((c: string) => [c, String(r[c])])),
        ),
      };
    };
    for (const name of chartNames) {
      let pair = await csvAndJson(name);
      // "expiring" counts hours from now: a second may pass between the two requests, so the
      // pair is asked again (a real difference in rows would show every time).
      for (let again = 0; again < 2 && name === 'expiring'; again++) {
        if (JSON.stringify(pair.rows) === JSON.stringify(pair.expected)) break;
        pair = await csvAndJson(name);
      }
      assert.deepEqual(pair.rows, pair.expected, name);
    }
  });

  test('bad filters get a clear 400', async () => {
    for (const url of [
      '/api/analytics/summary?from=yesterday',
      '/api/analytics/summary?format=bmp',
      '/api/analytics/charts/pie',
      '/api/analytics/images?cursor=nonsense',
      '/api/analytics/near-duplicates?distance=40',
    ]) {
      const response = await get(url);
      assert.equal(response.statusCode, 400, url);
      assert.ok(response.json().message, url);
    }
  });

  test('the explorer pages through every stored image once, newest first, and filters', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await get(
        `/api/analytics/images?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.equal(response.statusCode, 200);
      const page: { images: Array<{ id: string; createdAt: string }>; next: string | null } =
        response.json();
      seen.push(...page.images.map((i) => i.id));
      cursor = page.next;
    } while (cursor);
    assert.equal(seen.length, await count('not expired'));
    const first = (await get('/api/analytics/images?limit=100')).json().images;
    const real = first.filter((i: { ownerId: string }) => i.ownerId === userId);
    assert.equal(real.length, 3);
    for (const image of first)
      assert.equal(image.hasThumbnail, image.ownerId === userId, 'demo rows have no bytes');
    assert.equal(new Set(seen).size, seen.length);
    const wide = (
      await get('/api/analytics/images?format=png&min_width=301&camera_make=CANON')
    ).json();
    for (const image of wide.images) {
      assert.equal(image.format, 'png');
      assert.ok(image.width >= 301);
      assert.equal(image.cameraMake, 'Canon');
    }
    assert.equal(
      wide.images.length,
      await count("not expired and format = 'png' and width >= 301 and camera_make = 'Canon'"),
    );
  });

  test('near-duplicates: stored images with close perceptual hashes, grouped', async () => {
    const response = await get('/api/analytics/near-duplicates?distance=4');
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.ok(body.groups.length > 0, 'the demo plants near-duplicates');
    for (const group of body.groups) {
      assert.ok(group.images.length >= 2);
      assert.equal(group.more, 0, 'the demo plants groups of three');
      assert.ok(group.maxDistance <= 4);
      const stems = new Set(
        group.images.map((i: { perceptualHash: string }) => i.perceptualHash.slice(0, 15)),
      );
      assert.equal(stems.size, 1, 'the demo near-duplicates differ in the last digit only');
    }
    const exact = (await get('/api/analytics/near-duplicates?distance=0')).json() as NearDuplicates;
    for (const group of exact.groups) {
      assert.equal(new Set(group.images.map((i) => i.perceptualHash)).size, 1);
    }
  });

  test('the OpenAPI document lists the analytics routes', async () => {
    const response = await get('/api/openapi.json');
    assert.equal(response.statusCode, 200);
    const paths = Object.keys(response.json().paths);
    for (const path of [
      '/analytics/summary',
      '/analytics/charts/{chart}',
      '/analytics/images',
      '/analytics/near-duplicates',
    ])
      assert.ok(paths.includes(path), path);
  });
});

function day(offset: number): string {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

test('analytics.daily_uploads reads the rollups and today alike, and agrees with analytics.images', async () => {
  const t = await createGatewayTestbed();
  try {
    await seedDemoImages(t.bed.db, {
      images: 2000,
      days: 20,
      owners: 10,
      retention: t.bed.retention,
    });
    const fromView = await t.bed.db.query(
      'select day::text, source, format, images, bytes::bigint, mean_megapixels from analytics.daily_uploads order by 1, 2, 3',
    );
    const fromImages = await t.bed.db.query(
      `select (created_at at time zone 'UTC')::date::text as day, source, format, count(*)::bigint as images,
              sum(bytes)::bigint as bytes, round(avg(width::numeric * height / 1e6), 2) as mean_megapixels
       from images.images group by 1, 2, 3 order by 1, 2, 3`,
    );
    assert.ok(fromView.rows.length > 20);
    assert.deepEqual(fromView.rows, fromImages.rows);
  } finally {
    await t.close();
  }
});

test('the cameras CSV neutralises a camera name a spreadsheet would run as a formula', async () => {
  const t = await createGatewayTestbed();
  try {
    await addPrincipal(t.bed.db, { name: 'ann', role: 'analyst' });
    const key = await createKey(t.bed.db, 'ann', 'bi', ['images:read']);
    const owner = (await addPrincipal(t.bed.db, { name: 'eve', role: 'user' })).principal_id;
    const formula = '=HYPERLINK("http://x","y")';
    await intake(t.bed, {
      owner,
      source: 'upload',
      bytes: await makeImage('jpeg', { exif: { make: formula } }),
    });
    const get = (url: string) =>
      t.gateway.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
    const json = (await get('/api/analytics/charts/cameras')).json();
    assert.deepEqual(json.rows, [{ camera: formula, images: 1 }], 'JSON keeps the name as it is');
    const csv = await get('/api/analytics/charts/cameras.csv');
    assert.equal(csv.statusCode, 200);
    assert.equal(csv.body, `camera,images\n"'=HYPERLINK(""http://x"",""y"")",1\n`);
    assert.deepEqual(parse(csv.body, { columns: true }), [{ camera: `'${formula}`, images: '1' }]);
  } finally {
    await t.close();
  }
});
