// Every image API instance sweeps on its timer, and anyone may run `tessera images sweep`: the
// passes take one advisory lock, so across the fleet one runs and the others skip.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tessera } from '../../test/helpers/cli.ts';
import {
  createImageTestbed,
  type ImageTestbed,
  storedKeys,
} from '../../test/helpers/image-service.ts';
import { makeImage } from '../../test/helpers/images.ts';
import { until } from '../../test/helpers/until.ts';
import { advisoryLocks } from '../platform/db/advisory-lock.ts';
import { connect, createPool, type Pool } from '../platform/db/pool.ts';
import { sweepUnlessRunning } from './expiry.ts';
import { addPrincipal } from './gateway/principals.ts';
import { intake } from './intake.ts';

describe('one sweep at a time across the fleet', () => {
  let bed: ImageTestbed;
  let owner: string;
  // Two instances: each its own pool, as two processes would have.
  let pools: Pool[];
  before(async () => {
    bed = await createImageTestbed({ retention: 1 });
    owner = (await addPrincipal(bed.db, { name: 'sweepee', role: 'user' })).principal_id;
    pools = [createPool(bed.database.url, { max: 4 }), createPool(bed.database.url, { max: 4 })];
  });
  after(async () => {
    for (const pool of pools ?? []) await pool.end();
    await bed?.close();
  });

  const storeDue = async (scenes: number[]) => {
    for (const scene of scenes) {
      const bytes = await makeImage('jpeg', { width: 160, height: 120, scene });
      await intake(bed, { owner, source: 'upload', bytes });
    }
  };
  const expiredCount = async () =>
    Number(
      (
        await bed.db.query<{ n: number }>(
          'select count(*) as n from images.images where expired_at is not null',
        )
      ).rows[0]?.n,
    );
  // Holds the rollups' own lock, so that a pass which got as far as its last step waits there:
  // both sweepers are surely under way at once, however fast the machine.
  const holdRollups = async () => {
    const blocker = await connect(bed.database.url);
    await blocker.query('begin');
    await blocker.query(`select pg_advisory_xact_lock(hashtext('images.refresh_rollups'))`);
    return {
      async release() {
        await blocker.query('commit');
        await blocker.end();
      },
    };
  };
  const waitingForRollups = () =>
    until('a sweep waiting for the rollups', async () => {
      const waiting = await bed.db.query(
        `select 1 from pg_stat_activity
         where datname = current_database() and query like '%refresh_rollups%'
           and wait_event_type = 'Lock' and wait_event = 'advisory'`,
      );
      return waiting.rows.length > 0;
    });

  test('two sweepers started at once: one pass expires each image once, the other skips', async () => {
    await storeDue([1, 2, 3, 4, 5]);
    assert.equal((await storedKeys(bed.store)).length, 15, 'five images of three objects each');
    const rollups = await holdRollups();
    const settled: boolean[] = [];
    const passes = pools.map((db) =>
      sweepUnlessRunning({ db, store: bed.store }).finally(() => settled.push(true)),
    );
    try {
      // The one that lost the lock returns at once; the other waits for the rollups.
      await until('one sweeper done', async () => settled.length === 1);
      await waitingForRollups();
      // `tessera images sweep` meanwhile says so, and that is no failure.
      const dataDir = await mkdtemp(path.join(tmpdir(), 'tessera-sweep-'));
      try {
        const cli = tessera(['images', 'sweep'], {
          databaseUrl: bed.database.url,
          env: { TESSERA_DATA_DIR: dataDir },
        });
        assert.equal(cli.status, 0, cli.stderr);
        assert.equal(cli.stdout.trim(), 'Another sweep is running; skipped.');
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    } finally {
      await rollups.release();
    }
    const results = await Promise.all(passes);
    const ran = results.flatMap((r) => (r.ran ? [r.value] : []));
    assert.equal(ran.length, 1, 'exactly one pass ran');
    assert.equal(results.filter((r) => !r.ran).length, 1, 'the other skipped');
    assert.equal(ran[0]?.expired, 5);
    assert.equal(ran[0]?.objectsDeleted, 15);
    assert.equal(await expiredCount(), 5);
    assert.deepEqual(await storedKeys(bed.store), []);
  });

  test('a later pass runs again normally, from either instance', async () => {
    for (const [index, db] of pools.entries()) {
      await storeDue([10 + index]);
      const pass = await sweepUnlessRunning({ db, store: bed.store });
      assert.ok(pass.ran, `instance ${index + 1} swept`);
      assert.equal(pass.value.expired, 1);
      assert.equal(pass.value.objectsDeleted, 3);
    }
    assert.equal(await expiredCount(), 7);
    // No connection went back to a pool still holding the lock: a fresh session takes it.
    const other = await connect(bed.database.url);
    try {
      const got = await other.query<{ locked: boolean }>(
        'select pg_try_advisory_lock($1) as locked',
        [advisoryLocks.sweep],
      );
      assert.equal(got.rows[0]?.locked, true);
    } finally {
      await other.end();
    }
  });
});
