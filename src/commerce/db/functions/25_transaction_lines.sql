-- The triggers of a transaction's lines (created by migrations 0003 and 0007).
--
-- Each locks the line's transaction row (FOR NO KEY UPDATE, the lock a status move takes, and the
-- one the line's later rewrite of its transaction takes anyway, so nothing is upgraded and two line
-- writers cannot deadlock over it) before it reads the status. A line write during a status move
-- waits for it and then sees the status it committed; a status move during a line write waits for
-- the line, and its count then sees the line as committed. Without the lock, a line changed or
-- deleted while another session completed its transaction read the status from before that commit,
-- and the kept item sales drifted from the lines (migration 0011).

-- A line takes its unit cost and weight from the item, refuses retired items, and cannot change
-- once its transaction is completed or cancelled.
create or replace function commerce.prepare_transacted_item() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  item commerce.items%rowtype;
  status text;
begin
  select t.transaction_status into status
    from commerce.transactions t where t.transaction_id = new.transaction_id
    for no key update;
  if status in ('completed', 'cancelled') then
    raise exception 'transaction % is % and its items can no longer change', new.transaction_id, status
      using errcode = 'P0001';
  end if;
  if tg_op = 'INSERT' or new.item_id <> old.item_id then
    select * into item from commerce.items i where i.item_id = new.item_id;
    if not found then
      raise exception 'there is no item %', new.item_id using errcode = '23503';
    end if;
    if item.deleted_at is not null then
      raise exception 'item % (%) is retired and cannot be put into a new transaction', item.item_id, item.item_name
        using errcode = 'P0001';
    end if;
    new.unit_cost := item.item_cost;
    new.unit_weight := item.item_weight;
  else
    new.unit_cost := old.unit_cost;
    new.unit_weight := old.unit_weight;
  end if;
  return new;
end
$$;

-- Lines of a completed transaction are frozen (above), but the owner can still delete one or move
-- it away: its units leave its item's sales. Deletes have no BEFORE trigger: this one locks the row
-- itself before it reads the status.
create or replace function commerce.keep_item_sales_of_line() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  status text;
begin
  select t.transaction_status into status
    from commerce.transactions t where t.transaction_id = old.transaction_id
    for no key update;
  if status = 'completed' then
    update commerce.item_sales
      set units_bought = units_bought - old.quantity, times_bought = times_bought - 1
      where item_id = old.item_id;
  end if;
  if tg_op = 'UPDATE' then
    select t.transaction_status into status
      from commerce.transactions t where t.transaction_id = new.transaction_id
      for no key update;
    if status = 'completed' then
      insert into commerce.item_sales as s (item_id, units_bought, times_bought)
        values (new.item_id, new.quantity, 1)
        on conflict (item_id) do update
          set units_bought = s.units_bought + excluded.units_bought,
              times_bought = s.times_bought + 1;
    end if;
  end if;
  return null;
end
$$;

revoke all on function commerce.prepare_transacted_item(), commerce.keep_item_sales_of_line()
  from public;
