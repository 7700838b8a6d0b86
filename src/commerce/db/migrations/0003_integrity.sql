-- Rules that hold however a row is written: through a procedure, the portal, or plain SQL.
-- The trigger functions run as their owner so they work whatever the writer's column grants are;
-- each pins search_path, as a SECURITY DEFINER function must.

create function commerce.touch_updated_at() returns trigger
language plpgsql set search_path = pg_catalog, pg_temp as $$
begin
  new.updated_at := now();
  return new;
end
$$;

create trigger memberships_touch before update on commerce.memberships
  for each row execute function commerce.touch_updated_at();
create trigger manufacturers_touch before update on commerce.manufacturers
  for each row execute function commerce.touch_updated_at();
create trigger items_touch before update on commerce.items
  for each row execute function commerce.touch_updated_at();
create trigger transacted_items_touch before update on commerce.transacted_items
  for each row execute function commerce.touch_updated_at();

-- A line takes its unit cost and weight from the item, refuses retired items, and cannot change
-- once its transaction is completed or cancelled.
create function commerce.prepare_transacted_item() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  item commerce.items%rowtype;
  status text;
begin
  select t.transaction_status into status
    from commerce.transactions t where t.transaction_id = new.transaction_id;
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

create trigger transacted_items_prepare before insert or update on commerce.transacted_items
  for each row execute function commerce.prepare_transacted_item();

-- The totals are never typed: on every write of a transaction they are computed from its lines.
create function commerce.compute_transaction_totals() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
begin
  select coalesce(sum(ti.unit_cost * ti.quantity), 0), coalesce(sum(ti.unit_weight * ti.quantity), 0)
    into new.total_items_cost, new.total_items_weight
    from commerce.transacted_items ti where ti.transaction_id = new.transaction_id;
  return new;
end
$$;

create trigger transactions_totals before insert or update on commerce.transactions
  for each row execute function commerce.compute_transaction_totals();

-- After a line changes, its transaction is rewritten so that the trigger above recomputes the totals.
create function commerce.refresh_transaction_totals() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    update commerce.transactions set updated_at = now() where transaction_id = old.transaction_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT' or new.transaction_id <> old.transaction_id) then
    update commerce.transactions set updated_at = now() where transaction_id = new.transaction_id;
  end if;
  return null;
end
$$;

create trigger transacted_items_totals after insert or update or delete on commerce.transacted_items
  for each row execute function commerce.refresh_transaction_totals();

-- pending -> paid -> shipped -> completed; pending, paid or shipped -> cancelled. Nothing leaves
-- completed or cancelled.
create function commerce.check_transaction_status() returns trigger
language plpgsql set search_path = pg_catalog, pg_temp as $$
begin
  if tg_op = 'INSERT' then
    if new.transaction_status <> 'pending' then
      raise exception 'a new transaction starts as pending, not %', new.transaction_status using errcode = 'P0001';
    end if;
  elsif new.transaction_status is distinct from old.transaction_status then
    if not (old.transaction_status, new.transaction_status) in (
      ('pending', 'paid'), ('paid', 'shipped'), ('shipped', 'completed'),
      ('pending', 'cancelled'), ('paid', 'cancelled'), ('shipped', 'cancelled')
    ) then
      raise exception 'a % transaction cannot become %', old.transaction_status, new.transaction_status
        using errcode = 'P0001';
    end if;
  elsif old.transaction_status in ('completed', 'cancelled')
        and (new.membership_id, new.manufacturer_id) is distinct from (old.membership_id, old.manufacturer_id) then
    raise exception 'transaction % is % and can no longer change', old.transaction_id, old.transaction_status
      using errcode = 'P0001';
  end if;
  new.completed_at := case when new.transaction_status = 'completed'
                           then coalesce(old.completed_at, now()) end;
  new.updated_at := now();
  return new;
end
$$;

create trigger transactions_status before insert or update on commerce.transactions
  for each row execute function commerce.check_transaction_status();

-- A transaction has at least one item by the time its database transaction commits (the ERD's 1..*).
create function commerce.check_transaction_has_items() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
begin
  if exists (select 1 from commerce.transactions t where t.transaction_id = new.transaction_id)
     and not exists (select 1 from commerce.transacted_items ti where ti.transaction_id = new.transaction_id) then
    raise exception 'transaction % has no items; a transaction needs at least one', new.transaction_id
      using errcode = '23514';
  end if;
  return null;
end
$$;

create constraint trigger transactions_have_items after insert on commerce.transactions
  deferrable initially deferred
  for each row execute function commerce.check_transaction_has_items();

revoke all on function commerce.touch_updated_at(), commerce.prepare_transacted_item(),
  commerce.compute_transaction_totals(), commerce.refresh_transaction_totals(),
  commerce.check_transaction_status(), commerce.check_transaction_has_items() from public;
