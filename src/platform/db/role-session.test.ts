// asRole on a pipelining pool (the portal's): the work runs as the role, inside one transaction,
// and nothing of the role or the transaction is left on the connection for its next user. Work
// declared as one statement has its COMMIT sent along with it: it must still be all or nothing,
// and a second statement must never run outside the transaction.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  createTestDatabase,
  outcome,
  type TestDatabase,
  type TestPerson,
} from '../../../test/helpers/database.ts';
import { startTcpProxy, type TcpProxy } from '../../../test/helpers/tcp-proxy.ts';
import { createPool, type Db, type Pool } from './pool.ts';
import { asRole } from './role-session.ts';

let db: TestDatabase;
let person: TestPerson;
/**
 * One connection, so every transaction below follows the one before on the same session; through
 * a relay that counts the writes PostgreSQL receives (each a round trip's worth of waiting).
 */
let pool: Pool;
let relay: TcpProxy;

before(async () => {
  db = await createTestDatabase();
  person = await db.addPerson('logistics');
  await db.admin.query(`
    create table public.notes (note text not null check (note <> ''), written_by text not null);
    grant select, insert on public.notes to public`);
  const url = new URL(db.url);
  relay = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
  url.port = String(relay.port);
  pool = createPool(url.href, { max: 1, pipeline: true });
});
after(async () => {
  await pool?.end();
  await relay?.close();
  await db?.close();
});

const write = (note: string) => (tx: Db) =>
  tx.query<{ written_by: string }>(
    'insert into public.notes values ($1, current_user) returning written_by',
    [note],
  );
const notes = async (note: string) =>
  (await db.admin.query('select written_by from public.notes where note = $1', [note])).rows;
const context = (requestId: string) => ({ role: person.login, requestId });

/** `work`'s outcome, and how many writes it took to reach PostgreSQL. */
async function counted(work: () => Promise<unknown>): Promise<{ outcome: string; writes: number }> {
  await pool.query('select 1'); // the connection is open before counting
  const before = relay.writesToServer();
  const result = await outcome(work());
  return { outcome: result, writes: relay.writesToServer() - before };
}

/** The connection as its next user finds it: its own login, no role set, no transaction open. */
async function assertClean(): Promise<void> {
  const session = await pool.query<{ who: string; role: string; in_transaction: boolean }>(
    `select current_user as who, current_setting('role') as role,
            now() <> statement_timestamp() as in_transaction`,
  );
  assert.deepEqual(session.rows[0], {
    who: new URL(db.url).username,
    role: 'none',
    in_transaction: false,
  });
}

test('one statement runs as the role and is committed with it, in one write to PostgreSQL', async () => {
  const one = await counted(() =>
    asRole(pool, context('r-1'), write('first'), { oneStatement: true }),
  );
  assert.deepEqual(one, { outcome: 'ok', writes: 1 });
  assert.deepEqual(await notes('first'), [{ written_by: person.login }]);
  await assertClean();

  // Undeclared, COMMIT waits for the statement's answer: a second write.
  const undeclared = await counted(() => asRole(pool, context('r-1b'), write('second')));
  assert.deepEqual(undeclared, { outcome: 'ok', writes: 2 });
  assert.deepEqual(await notes('second'), [{ written_by: person.login }]);
});

test('a failing statement reports its own error, and nothing of it is kept', async () => {
  const failed = asRole(pool, context('r-2'), write(''), { oneStatement: true });
  assert.equal(await outcome(failed), '23514'); // the check constraint, not "transaction aborted"
  assert.deepEqual(await notes(''), []);
  await assertClean();
});

test('a second statement in work declared as one is refused and never runs', async () => {
  const twice = asRole(
    pool,
    context('r-3'),
    async (tx) => {
      await write('once')(tx);
      return write('twice')(tx);
    },
    { oneStatement: true },
  );
  await assert.rejects(twice, /a second statement in a transaction declared as one statement/);
  // The second would have run after the COMMIT, as the pool's own login: it must not have run.
  assert.deepEqual(await notes('twice'), []);
  await assertClean();
});

test('work of several statements, undeclared, is one transaction: all or nothing', async () => {
  const both = asRole(pool, context('r-4'), async (tx) => {
    await write('kept only with the next')(tx);
    return write('')(tx);
  });
  assert.equal(await outcome(both), '23514');
  assert.deepEqual(await notes('kept only with the next'), []);
  await assertClean();
});
