// A real, deterministic refusal from PostgreSQL: a trigger that turns down every images.images row
// of one owner (SQLSTATE 22003), counting the tries in a sequence (which no rollback undoes).
import type { Db } from '../../src/platform/db/pool.ts';

export const refusedRowMessage = 'this row is out of range for the test';

export async function refuseRowsOf(
  db: Db,
  ownerId: string,
): Promise<{ tries(): Promise<number>; remove(): Promise<void> }> {
  await db.query('create sequence public.refused_tries');
  await db.query(`create function public.refuse_row() returns trigger language plpgsql as $$
    begin
      perform nextval('public.refused_tries');
      raise exception '${refusedRowMessage}' using errcode = '22003';
    end $$`);
  await db.query(
    `create trigger refuse_row before insert on images.images for each row
     when (new.owner_id = '${ownerId}') execute function public.refuse_row()`,
  );
  return {
    async tries() {
      const seq = await db.query<{ n: string }>(
        'select case when is_called then last_value else 0 end as n from public.refused_tries',
      );
      return Number(seq.rows[0]?.n);
    },
    async remove() {
      await db.query('drop trigger refuse_row on images.images');
      await db.query('drop function public.refuse_row()');
      await db.query('drop sequence public.refused_tries');
    },
  };
}
