// The portal's transaction list at scale: GET /api/transactions over HTTP, signed in as a logistics
// person, beside the list's query as it was before it paged by key (count(*) over () and CASE
// sorts), on the same database. Part of bench/analyst-views.ts, which seeds the rows.
import { addPerson } from '../../src/commerce/people.ts';
import { type Connection, quoteLiteral, withCredentials } from '../../src/platform/db/pool.ts';
import { generatePassword, scramVerifier } from '../../src/platform/db/scram.ts';
import type { Cleanup } from './cleanup.ts';
import { formatMs, formatRatio } from './format.ts';
import { figuresOf, runRounds } from './rounds.ts';
import { apiOnlyPortal, serveService } from './services.ts';
import { median } from './stats.ts';
import { table } from './table.ts';

type Case = {
  label: string;
  /** The query string of the request. */
  search: string;
  /** The same page asked of the old query: status, sort, order, page. */
  old: [string | null, string, 'asc' | 'desc', number];
  /** Another path than the list: the floor, what any request costs. */
  path?: string;
  /** Untimed: a request whose next_cursor this case's request carries (the page before it). */
  before?: string;
};
type ListAnswer = {
  data: { transaction_id: number }[];
  total: number;
  total_is_estimate: boolean;
  next_cursor: string | null;
};

const perPage = 25;
const goalMs = 50;
const login = 'bench_list_logistics';

/** The goal's pages; a deep page of 2,000 (or halfway, with fewer rows). */
function casesFor(deep: number): Case[] {
  const page = deep.toLocaleString('en');
  return [
    {
      label: 'first page (newest first)',
      search: 'sort=transaction_id&order=desc&page=1',
      old: [null, 'transaction_id', 'desc', 1],
    },
    {
      label: `page ${page}, jumped to by number`,
      search: `sort=transaction_id&order=desc&page=${deep}`,
      old: [null, 'transaction_id', 'desc', deep],
    },
    {
      label: `page ${page}, next after page ${(deep - 1).toLocaleString('en')} (key)`,
      search: `sort=transaction_id&order=desc&page=${deep}`,
      before: `sort=transaction_id&order=desc&page=${deep - 1}`,
      old: [null, 'transaction_id', 'desc', deep],
    },
    {
      label: 'sorted by cost, dearest first',
      search: 'sort=total_items_cost&order=desc&page=1',
      old: [null, 'total_items_cost', 'desc', 1],
    },
    {
      label: 'filtered by status (shipped)',
      search: 'status=shipped&sort=transaction_id&order=desc&page=1',
      old: ['shipped', 'transaction_id', 'desc', 1],
    },
  ];
}

/** Any signed-in request's cost on this machine: the session, one transaction as the person. */
const floor: Case = {
  label: 'floor: GET /api/session (who am I)',
  path: '/api/session',
  search: '',
  old: [null, '', 'asc', 0],
};

// The list's query before 0007, for the side-by-side figure: every page counts and sorts all rows.
const oldQuery = `
select t.transaction_id, count(*) over () as total
from commerce.transactions t
join commerce.memberships_public m on m.membership_id = t.membership_id
join commerce.manufacturers f on f.manufacturer_id = t.manufacturer_id
where ($1::text is null or t.transaction_status = $1)
order by
  case when $3 = 'asc' then case $2 when 'total_items_cost' then t.total_items_cost
                                    when 'total_items_weight' then t.total_items_weight end end asc,
  case when $3 = 'desc' then case $2 when 'total_items_cost' then t.total_items_cost
                                     when 'total_items_weight' then t.total_items_weight end end desc,
  case when $3 = 'asc' then case $2 when 'transaction_status' then t.transaction_status
                                    when 'membership_id' then t.membership_id end end asc,
  case when $3 = 'desc' then case $2 when 'transaction_status' then t.transaction_status
                                     when 'membership_id' then t.membership_id end end desc,
  case when $3 = 'asc' then t.transaction_id end asc,
  case when $3 = 'desc' then t.transaction_id end desc
limit $4 offset $5`;

/**
 * Times each case `runs` times (interleaved) through the portal, and the old query once per case
 * (it takes seconds); checks that both give the same rows. `url` is a superuser URL of a scratch
 * server: this sets the portal's authenticator password and adds a login.
 */
export async function benchmarkTransactionList(
  db: Connection,
  url: string,
  options: { runs: number; transactions: number },
  cleanup: Cleanup,
): Promise<string> {
  const { runs, transactions } = options;
  const cases = casesFor(Math.max(2, Math.min(2_000, Math.floor(transactions / perPage / 2))));
  const password = generatePassword();
  await addPerson(db, { login, team: 'logistics', pii: false, password });
  const portalPassword = generatePassword();
  await db.query(
    `alter role commerce_portal password ${quoteLiteral(scramVerifier(portalPassword))}`,
  );
  // The portal as `tessera serve portal` composes it, given the authenticator's URL; no built UI.
  const { url: base } = await serveService(
    apiOnlyPortal,
    {
      DATABASE_URL: url,
      PORTAL_DATABASE_URL: withCredentials(url, 'commerce_portal', portalPassword),
      PORTAL_POOL_SIZE: '4',
    },
    cleanup,
  );
  const cookie = await signIn(base, login, password);
  const get = async (search: string, path = '/api/transactions'): Promise<ListAnswer> => {
    const response = await fetch(`${base}${path}?per_page=${perPage}&${search}`, {
      headers: { cookie },
    });
    const text = await response.text();
    if (response.status !== 200)
      throw new Error(`GET ${search} answered ${response.status}: ${text}`);
    return JSON.parse(text) as ListAnswer;
  };
  const searchOf = async (c: Case) => {
    if (!c.before) return c.search;
    const cursor = (await get(c.before)).next_cursor;
    if (!cursor) throw new Error(`${c.before} gave no next_cursor`);
    return `${c.search}&after=${encodeURIComponent(cursor)}`;
  };

  const rows: string[][] = [
    ['GET /api/transactions', 'median ms', 'min ms', 'goal', 'total', 'old query ms', 'old / new'],
  ];
  const searches = new Map<Case, string>();
  for (const c of cases) searches.set(c, await searchOf(c));
  for (const c of cases) await get(searches.get(c) ?? ''); // warm-up
  const timings = await runRounds([...cases, floor], runs, 'same', async (c) => {
    const start = performance.now();
    await get(searches.get(c) ?? '', c.path);
    return performance.now() - start;
  });
  for (const c of cases) {
    const answer = await get(searches.get(c) ?? '');
    const [status, sort, order, page] = c.old;
    const start = performance.now();
    const old = await db.query<{ transaction_id: number; total: number }>(oldQuery, [
      status,
      sort,
      order,
      perPage,
      (page - 1) * perPage,
    ]);
    const oldMs = performance.now() - start;
    const ids = (list: { transaction_id: number }[]) => list.map((r) => r.transaction_id).join();
    if (ids(answer.data) !== ids(old.rows))
      throw new Error(`"${c.label}" gives other rows than the old query`);
    const t = figuresOf(timings, c);
    rows.push([
      c.label,
      formatMs(median(t)),
      formatMs(Math.min(...t)),
      median(t) < goalMs ? `< ${goalMs} ms: met` : `< ${goalMs} ms: NOT met`,
      `${answer.total.toLocaleString('en')}${answer.total_is_estimate ? ' (estimate)' : ''}`,
      formatMs(oldMs),
      formatRatio(oldMs, median(t), 0),
    ]);
  }
  const f = figuresOf(timings, floor);
  rows.push([floor.label, formatMs(median(f)), formatMs(Math.min(...f)), '', '', '', '']);
  return [
    table(rows, 1),
    `${perPage} a page; median of ${runs} runs over HTTP, signed in as a logistics person (session, SET LOCAL ROLE, the page, the count);`,
    'old query: the list as it was (count(*) over (), CASE sorts), run once, straight on the database; both give the same rows.',
  ].join('\n');
}

async function signIn(base: string, person: string, password: string): Promise<string> {
  const response = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: person, password }),
  });
  const cookie = response.headers.getSetCookie()[0]?.split(';')[0];
  if (response.status !== 200 || !cookie) throw new Error(`sign-in failed: ${response.status}`);
  return cookie;
}
