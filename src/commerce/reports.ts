import type { Db } from '../platform/db/pool.ts';
import { sql } from '../platform/db/sql.ts';

export type TopMember = {
  membership_id: string;
  first_name: string;
  last_name: string;
  completed_transactions: number;
  total_spent: string;
};
export type TopItem = {
  item_id: number;
  item_name: string;
  units_bought: number;
  times_bought: number;
  retired: boolean;
};
export type SalesPoint = { period: string; transactions: number; revenue: string };
export const salesIntervals = ['day', 'week', 'month'] as const;

export async function topMembers(db: Db): Promise<TopMember[]> {
  return (await db.query<TopMember>(sql(import.meta.url, 'db/queries/top-members.sql'))).rows;
}

export async function topItems(db: Db): Promise<TopItem[]> {
  return (await db.query<TopItem>(sql(import.meta.url, 'db/queries/top-items.sql'))).rows;
}

export async function salesOverTime(
  db: Db,
  interval: (typeof salesIntervals)[number],
  from: string,
  to: string,
): Promise<SalesPoint[]> {
  return (
    await db.query<SalesPoint>(sql(import.meta.url, 'db/queries/sales-over-time.sql'), [
      interval,
      from,
      to,
    ])
  ).rows;
}
