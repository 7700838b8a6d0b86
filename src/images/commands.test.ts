// The engineers' command line, run as a person would, against a test database.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tessera } from '../../test/helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { buildTiff, hostileExif, withExif } from '../../test/helpers/exif.ts';
import { makeImage } from '../../test/helpers/images.ts';

describe('tessera principals, keys and images ingest', () => {
  let db: TestDatabase;
  let home: string;
  let env: Record<string, string>;

  before(async () => {
    db = await createTestDatabase();
    home = await mkdtemp(path.join(tmpdir(), 'tessera-cli-'));
    env = { TESSERA_DATA_DIR: home };
  });
  after(async () => {
    await db.close();
    await rm(home, { recursive: true, force: true });
  });

  const run = (args: string[], input?: string) =>
    tessera(args, { databaseUrl: db.url, env, ...(input ? { input } : {}) });

  test('principals add, list and keys create print what a person needs, once', () => {
    const added = run(['principals', 'add', 'eng1', '--role', 'engineer', '--cidr', '10.1.0.0/16']);
    assert.equal(added.status, 0, added.stderr);
    assert.match(added.stdout, /Added eng1 \(engineer, only from 10\.1\.0\.0\/16\)/);
    const key = run([
      'keys',
      'create',
      'eng1',
      '--scope',
      'images:write',
      '--scope',
      'images:read',
    ]);
    assert.equal(key.status, 0, key.stderr);
    assert.match(key.stdout, /^tsk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/m);
    const list = run(['principals', 'list']);
    assert.match(list.stdout, /eng1\s+engineer\s+1\s+active\s+10\.1\.0\.0\/16/);
    assert.equal(run(['principals', 'add', 'x', '--role', 'wizard']).status, 2);
    assert.equal(run(['principals', 'add', 'eng1', '--role', 'user']).status, 1, 'a taken name');
    assert.equal(run(['keys', 'create', 'eng1', '--scope', 'everything']).status, 2);
  });

  test('images ingest reports each file and exits 1 when any was refused', async () => {
    run(['principals', 'add', 'loader', '--role', 'engineer']);
    const folder = await mkdtemp(path.join(tmpdir(), 'tessera-ingest-'));
    try {
      await writeFile(
        path.join(folder, 'a.jpg'),
        await makeImage('jpeg', { width: 400, height: 300, scene: 71 }),
      );
      await writeFile(path.join(folder, 'b.png'), await makeImage('png', { scene: 72 }));
      await writeFile(path.join(folder, 'c.jpg'), 'not a picture');
      const result = run(['images', 'ingest', folder, '--owner', 'loader']);
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stdout, /^accepted {2}.*a\.jpg {2}[0-9a-f-]{36}$/m);
      assert.match(result.stdout, /^accepted {2}.*b\.png /m);
      assert.match(result.stdout, /^refused {3}.*c\.jpg {2}This file is not an image/m);
      assert.match(result.stdout, /2 accepted, 1 refused of 3 file\(s\)\./);
      const again = run(['images', 'ingest', path.join(folder, 'a.jpg'), '--owner', 'loader']);
      assert.equal(again.status, 0);
      assert.match(again.stdout, /\(already there\)/);
      const stored = await db.admin.query(
        `select count(*) as n from images.images i join gateway.principals p on p.principal_id::text = i.owner_id where p.name = 'loader'`,
      );
      assert.equal(stored.rows[0]?.n, 2);
      assert.equal(run(['images', 'ingest', folder, '--owner', 'nobody']).status, 1);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('images ingest stores a photo whose EXIF fits no column, with those fields left out', async () => {
    run(['principals', 'add', 'hostile', '--role', 'engineer']);
    const folder = await mkdtemp(path.join(tmpdir(), 'tessera-ingest-'));
    try {
      const photo = withExif(
        await makeImage('jpeg', { width: 320, height: 240, scene: 73 }),
        buildTiff(hostileExif()),
      );
      await writeFile(path.join(folder, 'camera.jpg'), photo);
      const result = run(['images', 'ingest', folder, '--owner', 'hostile']);
      assert.equal(result.status, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /^accepted {2}.*camera\.jpg {2}[0-9a-f-]{36}$/m);
      const stored = await db.admin.query(
        `select camera_make, iso, taken_at, focal_length, gps_latitude is not null as has_gps
         from images.images where original_name = 'camera.jpg'`,
      );
      assert.deepEqual(stored.rows, [
        { camera_make: 'Can', iso: null, taken_at: null, focal_length: null, has_gps: true },
      ]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('images ingest --concurrency takes several files at once, and reports them in their order', async () => {
    run(['principals', 'add', 'bulk', '--role', 'engineer']);
    const folder = await mkdtemp(path.join(tmpdir(), 'tessera-ingest-'));
    try {
      const names = ['p1.jpg', 'p2.png', 'p3.jpg', 'p4.webp', 'p5.jpg', 'p6.jpg'];
      const photos = new Map<string, Buffer>();
      for (const [index, name] of names.entries()) {
        const format = name.endsWith('.png') ? 'png' : name.endsWith('.webp') ? 'webp' : 'jpeg';
        // A large one first, so the small ones after it finish before it does.
        const size = index === 0 ? { width: 2400, height: 1600 } : { width: 320, height: 240 };
        photos.set(name, await makeImage(format, { ...size, scene: 80 + index }));
      }
      // The same bytes twice in one batch: one image, whichever of the two comes first.
      photos.set('p7.jpg', photos.get('p5.jpg') as Buffer);
      for (const [name, bytes] of photos) await writeFile(path.join(folder, name), bytes);
      await writeFile(path.join(folder, 'p3b.jpg'), 'not a picture either');

      const result = run(['images', 'ingest', folder, '--owner', 'bulk', '--concurrency', '3']);
      assert.equal(result.status, 1, result.stderr);
      const reported = result.stdout
        .split('\n')
        .filter((line) => /^(accepted|refused)/.test(line))
        .map((line) => `${line.split(/ +/)[0]} ${path.basename(line.split(/ {2}/)[1] ?? '')}`);
      assert.deepEqual(reported, [
        'accepted p1.jpg',
        'accepted p2.png',
        'accepted p3.jpg',
        'refused p3b.jpg',
        'accepted p4.webp',
        'accepted p5.jpg',
        'accepted p6.jpg',
        'accepted p7.jpg',
      ]);
      assert.match(result.stdout, /7 accepted, 1 refused of 8 file\(s\)\./);
      const stored = await db.admin.query(
        `select count(*)::integer as images, count(distinct sha256)::integer as distinct_bytes,
                min(width) filter (where original_name = 'p1.jpg') as width
         from images.images i join gateway.principals p on p.principal_id::text = i.owner_id
         where p.name = 'bulk'`,
      );
      assert.deepEqual(stored.rows, [{ images: 6, distinct_bytes: 6, width: 2400 }]);

      for (const wrong of ['0', '65', 'two']) {
        const refused = run([
          'images',
          'ingest',
          folder,
          '--owner',
          'bulk',
          '--concurrency',
          wrong,
        ]);
        assert.equal(refused.status, 2, wrong);
        assert.match(refused.stderr, /--concurrency takes a whole number from 1 to 64/);
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
