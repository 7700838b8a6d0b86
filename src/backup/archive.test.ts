import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createArchive, readArchive } from './archive.ts';
import { writeObjectFile } from './local-files.ts';
import { openWithPassphrase, sealWithPassphrase } from './passphrase-box.ts';

describe('the backup file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tessera-archive-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const entries = async (file: string) => {
    const seen = [];
    for await (const entry of readArchive(file)) seen.push(entry);
    return seen;
  };

  test('entries come back in order, bytes exact; a cut-off file or another file is refused', async () => {
    const file = path.join(dir, 'whole.backup');
    const archive = await createArchive(file);
    const binary = Buffer.from([0, 10, 13, 255, 10]);
    await archive.add({ kind: 'manifest', createdAt: 'now' });
    await archive.add({ kind: 'object', path: 'originals/a' }, binary);
    await archive.add({ kind: 'rows', table: 'commerce.items' }, '{"a":1}\n{"a":2}');
    await archive.finish();
    const read = await entries(file);
    assert.deepEqual(
      read.map((e) => e.header.kind),
      ['manifest', 'object', 'rows'],
    );
    assert.deepEqual(read[1]?.body, binary);
    assert.equal(read[2]?.body.toString(), '{"a":1}\n{"a":2}');

    const bytes = await readFile(file);
    const cut = path.join(dir, 'cut.backup');
    await writeFile(cut, bytes.subarray(0, bytes.length - 12));
    await assert.rejects(entries(cut), { code: 'bad_backup' });
    const noEnd = path.join(dir, 'no-end.backup');
    await writeFile(noEnd, gzipSync('TESSERA-BACKUP 1\n{"kind":"manifest","size":0}\n'));
    await assert.rejects(entries(noEnd), /cut off: it has no end marker/);
    const other = path.join(dir, 'other.backup');
    await writeFile(other, gzipSync('hello'));
    await assert.rejects(entries(other), /is not a Tessera backup/);

    await assert.rejects(createArchive(file), /exists: a backup never overwrites a file/);
  });

  test('an object named outside the store is refused', async () => {
    await assert.rejects(
      writeObjectFile(
        path.join(dir, 'store'),
        '../escaped',
        Buffer.from('x'),
        new Date().toISOString(),
      ),
      { code: 'bad_backup' },
    );
  });

  test('the secrets open with the passphrase only', async () => {
    const box = await sealWithPassphrase('a long passphrase', Buffer.from('the keys'));
    assert.equal((await openWithPassphrase('a long passphrase', box)).toString(), 'the keys');
    await assert.rejects(openWithPassphrase('a long passphrasf', box), {
      code: 'wrong_passphrase',
    });
    const tampered = { ...box, data: Buffer.from('the keyz').toString('base64') };
    await assert.rejects(openWithPassphrase('a long passphrase', tampered), {
      code: 'wrong_passphrase',
    });
  });
});
