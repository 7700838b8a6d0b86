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

-- An item with its manufacturer (as an import from a supplier's list gives it).
create or replace function commerce.add_item(p_name text, p_cost numeric, p_weight numeric, p_manufacturer_id bigint)
returns bigint
language plpgsql security invoker set search_path = pg_catalog, pg_temp as $$
declare
  new_id bigint;
begin
  perform commerce.check_item_fields(p_name, p_cost, p_weight);
  if p_manufacturer_id is not null
     and not exists (select 1 from commerce.manufacturers f where f.manufacturer_id = p_manufacturer_id) then
    raise exception 'there is no manufacturer %', p_manufacturer_id using errcode = 'P0001';
  end if;
  insert into commerce.items (item_name, item_cost, item_weight, manufacturer_id)
    values (btrim(p_name), p_cost, p_weight, p_manufacturer_id)
    returning item_id into new_id;
  return new_id;
exception when unique_violation then
  raise exception 'an active item named % already exists', btrim(p_name) using errcode = '23505';
end
$$;
revoke all on function commerce.add_item(text, numeric, numeric, bigint) from public;
grant execute on function commerce.add_item(text, numeric, numeric, bigint) to commerce_logistics, commerce_sales;

-- What importing these rows ('[{"name", "manufacturer", "cost", "weight"}]', every cell as the CSV
-- had it) would do, row by row: valid, or why not. The manufacturer is named, as a supplier's list
-- names it (letter case aside). Changes nothing.
create or replace function commerce.preview_item_import(p_rows jsonb)
returns table (row_number bigint, item_name text, manufacturer_id bigint, item_cost numeric,
               item_weight numeric, verdict text, detail text)
language sql stable security invoker set search_path = pg_catalog, pg_temp as $$
  with given as (
    select r.ord, btrim(coalesce(r.cells ->> 'name', '')) as name, btrim(coalesce(r.cells ->> 'manufacturer', '')) as maker,
           btrim(coalesce(r.cells ->> 'cost', '')) as cost, btrim(coalesce(r.cells ->> 'weight', '')) as weight
    from jsonb_array_elements(case when jsonb_typeof(p_rows) = 'array' then p_rows else '[]' end)
         with ordinality as r(cells, ord)
  ), checked as (
    select g.*, f.manufacturer_id as maker_id,
           g.cost ~ '^[0-9]{1,10}(\.[0-9]{1,2})?$' as cost_ok,
           g.weight ~ '^[0-9]{1,9}(\.[0-9]{1,3})?$' as weight_ok,
           exists (select 1 from commerce.items i where lower(i.item_name) = lower(g.name) and i.deleted_at is null) as exists_active,
           min(g.ord) over (partition by lower(g.name)) as first_ord
    from given g
    left join commerce.manufacturers f on lower(f.manufacturer_name) = lower(g.maker) and g.maker <> ''
  )
  select c.ord, c.name, c.maker_id,
         case when c.cost_ok then c.cost::numeric end, case when c.weight_ok then c.weight::numeric end,
         case
           when c.name = '' then 'missing name'
           when not c.cost_ok or not c.weight_ok then 'bad number'
           when c.maker_id is null then 'unknown manufacturer'
           when c.exists_active or c.first_ord <> c.ord then 'duplicate'
           else 'valid'
         end,
         case
           when c.name = '' then 'every item needs a name'
           when not c.cost_ok then format('cost %L is not an amount like 12.50 (zero or more, at most two decimals)', c.cost)
           when not c.weight_ok then format('weight %L is not kilograms like 0.250 (zero or more, at most three decimals)', c.weight)
           when c.maker_id is null then format('there is no manufacturer named %L', c.maker)
           when c.exists_active then format('an active item named %L already exists', c.name)
           when c.first_ord <> c.ord then format('row %s has the same name', c.first_ord)
         end
  from checked c
  order by c.ord
$$;
revoke all on function commerce.preview_item_import(jsonb) from public;
grant execute on function commerce.preview_item_import(jsonb) to commerce_logistics, commerce_sales;

-- Imports the rows through add_item: every row, or none if any is not valid. Returns the new ids
-- in row order.
create or replace function commerce.import_items(p_rows jsonb) returns bigint[]
language plpgsql security invoker set search_path = pg_catalog, pg_temp as $$
declare
  problems text;
  created bigint[];
begin
  if p_rows is null or jsonb_typeof(p_rows) <> 'array' or jsonb_array_length(p_rows) = 0 then
    raise exception 'the import has no rows' using errcode = 'P0001';
  end if;
  select string_agg(format('row %s: %s', p.row_number, p.detail), '; ' order by p.row_number) into problems
    from commerce.preview_item_import(p_rows) p where p.verdict <> 'valid';
  if problems is not null then
    raise exception 'nothing was imported: %', problems using errcode = 'P0001';
  end if;
  select array_agg(commerce.add_item(p.item_name, p.item_cost, p.item_weight, p.manufacturer_id) order by p.row_number)
    into created from commerce.preview_item_import(p_rows) p;
  return created;
end
$$;
revoke all on function commerce.import_items(jsonb) from public;
grant execute on function commerce.import_items(jsonb) to commerce_logistics, commerce_sales;

-- Retires (or restores) every item given, or none if one cannot be.
create or replace function commerce.retire_items(p_item_ids bigint[]) returns void
language plpgsql security invoker set search_path = pg_catalog, pg_temp as $$
declare
  item bigint;
begin
  if p_item_ids is null or cardinality(p_item_ids) = 0 then
    raise exception 'choose at least one item' using errcode = 'P0001';
  end if;
  foreach item in array p_item_ids loop
    perform commerce.retire_item(item);
  end loop;
end
$$;
revoke all on function commerce.retire_items(bigint[]) from public;
grant execute on function commerce.retire_items(bigint[]) to commerce_logistics, commerce_sales;

create or replace function commerce.restore_items(p_item_ids bigint[]) returns void
language plpgsql security invoker set search_path = pg_catalog, pg_temp as $$
declare
  item bigint;
begin
  if p_item_ids is null or cardinality(p_item_ids) = 0 then
    raise exception 'choose at least one item' using errcode = 'P0001';
  end if;
  foreach item in array p_item_ids loop
    perform commerce.restore_item(item);
  end loop;
end
$$;
revoke all on function commerce.restore_items(bigint[]) from public;
grant execute on function commerce.restore_items(bigint[]) to commerce_logistics, commerce_sales;
