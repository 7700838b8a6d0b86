-- Sales' and logistics' writes to items. SECURITY INVOKER: the caller's own grants apply.

create or replace function commerce.check_item_fields(p_name text, p_cost numeric, p_weight numeric)
returns void
language plpgsql immutable set search_path = pg_catalog, pg_temp as $$
begin
  if p_name is null or btrim(p_name) = '' then
    raise exception 'an item needs a name' using errcode = 'P0001';
  end if;
  if p_cost is null or p_cost < 0 then
    raise exception 'item cost must be zero or more' using errcode = 'P0001';
  end if;
  if p_cost <> round(p_cost, 2) then
    raise exception 'item cost has at most two decimals' using errcode = 'P0001';
  end if;
  if p_weight is null or p_weight < 0 then
    raise exception 'item weight must be zero or more' using errcode = 'P0001';
  end if;
end
$$;
revoke all on function commerce.check_item_fields(text, numeric, numeric) from public;
grant execute on function commerce.check_item_fields(text, numeric, numeric) to commerce_logistics, commerce_sales;

create or replace function commerce.add_item(p_name text, p_cost numeric, p_weight numeric)
returns bigint
language plpgsql security invoker set search_path = pg_catalog, pg_temp as $$
declare
  new_id bigint;
begin
  perform commerce.check_item_fields(p_name, p_cost, p_weight);
  insert into commerce.items (item_name, item_cost, item_weight)
    values (btrim(p_name), p_cost, p_weight)
    returning item_id into new_id;
  return new_id;
exception when unique_violation then
  raise exception 'an active item named % already exists', btrim(p_name) using errcode = '23505';
end
$$;
revoke all on function commerce.add_item(text, numeric, numeric) from public;
grant execute on function commerce.add_item(text, numeric, numeric) to commerce_logistics, commerce_sales;

-- p_expected_updated_at, when given, refuses the change if someone else changed the item since.
create or replace function commerce.update_item(
  p_item_id bigint, p_name text, p_cost numeric, p_weight numeric,
  p_expected_updated_at timestamptz default null
) returns void
language plpgsql security invoker set search_path = pg_catalog, pg_temp as $$
declare
  current_updated_at timestamptz;
begin
  perform commerce.check_item_fields(p_name, p_cost, p_weight);
  select i.updated_at into current_updated_at from commerce.items i where i.item_id = p_item_id for update;
  if not found then
    raise exception 'there is no item %', p_item_id using errcode = 'P0001';
  end if;
  if p_expected_updated_at is not null and current_updated_at <> p_expected_updated_at then
    raise exception 'item % was changed by someone else after you opened it; reload it and try again', p_item_id
      using errcode = '40001';
  end if;
  update commerce.items set item_name = btrim(p_name), item_cost = p_cost, item_weight = p_weight
    where item_id = p_item_id;
exception when unique_violation then
  raise exception 'an active item named % already exists', btrim(p_name) using errcode = '23505';
end
$$;
revoke all on function commerce.update_item(bigint, text, numeric, numeric, timestamptz) from public;
grant execute on function commerce.update_item(bigint, text, numeric, numeric, timestamptz)
  to commerce_logistics, commerce_sales;

-- Retiring is the only way an item leaves: it stays in past transactions, and cannot be sold again.
create or replace function commerce.retire_item(p_item_id bigint) returns void
language plpgsql security invoker set search_path = pg_catalog, pg_temp as $$
declare
  retired timestamptz;
begin
  select i.deleted_at into retired from commerce.items i where i.item_id = p_item_id for update;
  if not found then
    raise exception 'there is no item %', p_item_id using errcode = 'P0001';
  end if;
  if retired is not null then
    raise exception 'item % is already retired (since %)', p_item_id, retired using errcode = 'P0001';
  end if;
  update commerce.items set deleted_at = now() where item_id = p_item_id;
end
$$;
revoke all on function commerce.retire_item(bigint) from public;
grant execute on function commerce.retire_item(bigint) to commerce_logistics, commerce_sales;

create or replace function commerce.restore_item(p_item_id bigint) returns void
language plpgsql security invoker set search_path = pg_catalog, pg_temp as $$
declare
  retired timestamptz;
begin
  select i.deleted_at into retired from commerce.items i where i.item_id = p_item_id for update;
  if not found then
    raise exception 'there is no item %', p_item_id using errcode = 'P0001';
  end if;
  if retired is null then
    raise exception 'item % is not retired', p_item_id using errcode = 'P0001';
  end if;
  update commerce.items set deleted_at = null where item_id = p_item_id;
exception when unique_violation then
  raise exception 'item % cannot be restored: an active item has the same name', p_item_id using errcode = '23505';
end
$$;
revoke all on function commerce.restore_item(bigint) from public;
grant execute on function commerce.restore_item(bigint) to commerce_logistics, commerce_sales;
