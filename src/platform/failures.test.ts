// Which failures are a dependency's, told from real ones: a PostgreSQL that refuses connections,
// ends a session or answers with a SQLSTATE, an S3 endpoint that is down or answers 503; and the
// refusals that are the input's own (a number out of range, a NUL byte in text, a coded AppError).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { freePort } from '../../test/helpers/ports.ts';
import { ObjectTamperedError } from '../images/store/object-store.ts';
import { createS3Store } from '../images/store/s3-store.ts';
import { connect, createPool } from './db/pool.ts';
import { AppError } from './errors.ts';
import { describeFailure, isDependencyFailure } from './failures.ts';

/** What `work` rejects with; fails the test if it resolves. */
async function failure(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  assert.fail('expected a failure');
}

const raise = (errcode: string) =>
  `do $$ begin raise exception 'raised for the test' using errcode = '${errcode}'; end $$`;

describe('isDependencyFailure', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database?.close();
  });

  test('PostgreSQL unreachable, or ending the session, is a dependency failure', async () => {
    const closed = new URL(database.url);
    closed.hostname = '127.0.0.1';
    closed.port = String(await freePort());
    const pool = createPool(closed.toString(), { max: 1 });
    try {
      const refused = await failure(pool.query('select 1'));
      assert.equal((refused as { code?: string }).code, 'ECONNREFUSED');
      assert.equal(isDependencyFailure(refused), true);
    } finally {
      await pool.end();
    }

    const session = await connect(database.url);
    const { rows } = await session.query<{ pid: number }>('select pg_backend_pid() as pid');
    const sleeping = failure(session.query('select pg_sleep(30)'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await database.admin.query('select pg_terminate_backend($1)', [rows[0]?.pid]);
    const terminated = await sleeping;
    assert.equal(isDependencyFailure(terminated), true, describeFailure(terminated));
    // The connection is gone: pg says so without a code.
    const gone = await failure(session.query('select 1'));
    assert.equal((gone as { code?: string }).code, undefined);
    assert.equal(isDependencyFailure(gone), true, describeFailure(gone));
    await session.end().catch(() => {});
  });

  test('SQLSTATEs of an unavailable server or a lost race are; those of bad input are not', async () => {
    for (const state of ['08006', '53300', '57P01', '57P03', '40001', '40P01', '28P01']) {
      const error = await failure(database.admin.query(raise(state)));
      assert.equal(isDependencyFailure(error), true, state);
    }
    const timedOut = await failure(
      database.admin.query('set statement_timeout = 50; select pg_sleep(2)'),
    );
    assert.equal(isDependencyFailure(timedOut), true, describeFailure(timedOut));
    for (const [what, query, values] of [
      ['out of range', 'select 2147483647::int + 1', []],
      ['a NUL byte', 'select $1::text', ['a\u0000b']],
      ['a trigger refusing', raise('22003'), []],
      ['our own words', raise('P0001'), []],
    ] as const) {
      const error = await failure(database.admin.query(query, [...values]));
      assert.equal(isDependencyFailure(error), false, what);
    }
    assert.equal(isDependencyFailure(new AppError('bad', 400, 'Bad.')), false);
    assert.equal(isDependencyFailure(new ObjectTamperedError('k', 'it changed')), false);
    assert.equal(isDependencyFailure(new Error('sharp: Input buffer is corrupt')), false);
    assert.equal(
      isDependencyFailure(
        new AppError('x', 500, 'wrapped', {
          cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
        }),
      ),
      true,
      'a cause counts',
    );
  });

  test('S3 down, or answering 503, is a dependency failure', async () => {
    const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    const down = createS3Store({
      bucket: 'b',
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${await freePort()}`,
      forcePathStyle: true,
      credentials,
    });
    const refused = await failure(down.get('incoming/x'));
    assert.equal(isDependencyFailure(refused), true, describeFailure(refused));

    const busy = createServer((_request, response) => {
      response.writeHead(503, { 'content-type': 'application/xml' });
      response.end(
        '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
      );
    });
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const address = busy.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const slow = createS3Store({
        bucket: 'b',
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${port}`,
        forcePathStyle: true,
        credentials,
      });
      const answered = await failure(slow.get('incoming/x'));
      assert.equal(isDependencyFailure(answered), true, describeFailure(answered));
    } finally {
      busy.close();
    }
  });
});

describe('describeFailure', () => {
  test('one line, the SQLSTATE when there is one, no stack and no password', () => {
    const error = new Error(
      'could not reach postgres://tessera:s3cret@db.internal:5432/tessera\n    at somewhere (file.ts:1:1)',
    );
    assert.equal(
      describeFailure(error),
      'could not reach postgres://tessera:*****@db.internal:5432/tessera',
    );
    assert.equal(describeFailure('plain'), 'plain');
  });
});
