import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/platform/db/pool.ts';

let counter = 0;
const unique = () =>
  `${Date.now().toString(36)}${(counter++).toString(36)}${randomBytes(2).toString('hex')}`;

export type Member = {
  membership_id: string;
  first_name: string;
  last_name: string;
  email: string;
  date_of_birth: string;
  mobile_no: string;
};

export async function insertMember(db: Db, overrides: Partial<Member> = {}): Promise<Member> {
  const last = overrides.last_name ?? 'Tan';
  const member: Member = {
    membership_id: `${last}_${randomBytes(3).toString('hex').slice(0, 5)}`,
    first_name: 'Mei',
    last_name: last,
    email: `mei.${unique()}@example.com`,
    date_of_birth: '1990-04-01',
    mobile_no: '91234567',
    ...overrides,
  };
  await db.query(
    `insert into commerce.memberships (membership_id, first_name, last_name, email, date_of_birth, mobile_no)
     values ($1, $2, $3, $4, $5, $6)`,
    [
      member.membership_id,
      member.first_name,
      member.last_name,
      member.email,
      member.date_of_birth,
      member.mobile_no,
    ],
  );
  return member;
}

export async function insertManufacturer(db: Db, name = `Maker ${unique()}`): Promise<string> {
  const result = await db.query<{ id: string }>(
    'insert into commerce.manufacturers (manufacturer_name) values ($1) returning manufacturer_id as id',
    [name],
  );
  return String(result.rows[0]?.id);
}

export async function insertItem(
  db: Db,
  overrides: { name?: string; cost?: string; weight?: string; retired?: boolean } = {},
): Promise<string> {
  const result = await db.query<{ id: string }>(
    `insert into commerce.items (item_name, item_cost, item_weight, deleted_at)
     values ($1, $2, $3, case when $4 then now() end) returning item_id as id`,
    [
      overrides.name ?? `Item ${unique()}`,
      overrides.cost ?? '12.50',
      overrides.weight ?? '0.250',
      overrides.retired ?? false,
    ],
  );
  return String(result.rows[0]?.id);
}

export async function recordTransaction(
  db: Db,
  memberId: string,
  manufacturerId: string,
  lines: { item_id: string; quantity: number }[],
): Promise<string> {
  const items = lines.map((l) => ({ item_id: Number(l.item_id), quantity: l.quantity }));
  const result = await db.query<{ id: string }>(
    'select commerce.record_transaction($1, $2, $3) as id',
    [memberId, manufacturerId, JSON.stringify(items)],
  );
  return String(result.rows[0]?.id);
}
