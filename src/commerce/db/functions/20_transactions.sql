-- Logistics' writes to transactions. SECURITY INVOKER: the caller's own grants apply, and the
-- integrity triggers hold whatever the caller does.

-- Records a transaction with its lines, e.g. items = '[{"item_id": 1, "quantity": 2}]'.
-- The totals and unit prices are computed by the database, never typed.
create or replace function commerce.record_transaction(
  p_membership_id text, p_manufacturer_id bigint, p_items jsonb
) returns bigint
language plpgsql security invoker set search_path = pg_catalog, pg_temp as $$
declare
  new_id bigint;
  line jsonb;
  position int := 0;
  seen bigint[] := '{}';
  item bigint;
  quantity numeric;
begin
  if p_items is null or jsonb_typeof(p_items) <> 'array' or jsonb_array_length(p_items) = 0 then
    raise exception 'a transaction needs at least one item' using errcode = 'P0001';
  end if;
  if not exists (select 1 from commerce.memberships m where m.membership_id = p_membership_id) then
    raise exception 'there is no member %', coalesce(p_membership_id, '(none given)') using errcode = 'P0001';
  end if;
  if not exists (select 1 from commerce.manufacturers f where f.manufacturer_id = p_manufacturer_id) then
    raise exception 'there is no manufacturer %', coalesce(p_manufacturer_id::text, '(none given)') using errcode = 'P0001';
  end if;

  insert into commerce.transactions (membership_id, manufacturer_id)
    values (p_membership_id, p_manufacturer_id)
    returning transaction_id into new_id;

  for line in select value from jsonb_array_elements(p_items) loop
    position := position + 1;
    if jsonb_typeof(line -> 'item_id') <> 'number' then
      raise exception 'line %: item_id must be an item number', position using errcode = 'P0001';
    end if;
    item := (line ->> 'item_id')::bigint;
    if item = any(seen) then
      raise exception 'line %: item % is listed twice; give it once with the total quantity', position, item
        using errcode = 'P0001';
    end if;
    seen := seen || item;
    if jsonb_typeof(line -> 'quantity') <> 'number' then
      raise exception 'line %: quantity must be a whole number above zero', position using errcode = 'P0001';
    end if;
    quantity := (line ->> 'quantity')::numeric;
    if quantity <= 0 or quantity <> trunc(quantity) or quantity > 2147483647 then
      raise exception 'line %: quantity must be a whole number above zero, not %', position, quantity
        using errcode = 'P0001';
    end if;
    insert into commerce.transacted_items (transaction_id, item_id, quantity)
      values (new_id, item, quantity::int);
  end loop;
  return new_id;
end
$$;
revoke all on function commerce.record_transaction(text, bigint, jsonb) from public;
grant execute on function commerce.record_transaction(text, bigint, jsonb) to commerce_logistics;

-- Moves a transaction to its next status; the allowed moves are kept by a trigger on the table.
create or replace function commerce.set_transaction_status(p_transaction_id bigint, p_status text)
returns void
language plpgsql security invoker set search_path = pg_catalog, pg_temp as $$
begin
  if p_status is null or p_status not in ('pending', 'paid', 'shipped', 'completed', 'cancelled') then
    raise exception 'unknown status %; use pending, paid, shipped, completed or cancelled', coalesce(p_status, '(none)')
      using errcode = 'P0001';
  end if;
  update commerce.transactions set transaction_status = p_status where transaction_id = p_transaction_id;
  if not found then
    raise exception 'there is no transaction %', p_transaction_id using errcode = 'P0001';
  end if;
end
$$;
revoke all on function commerce.set_transaction_status(bigint, text) from public;
grant execute on function commerce.set_transaction_status(bigint, text) to commerce_logistics;

-- How many transactions the planner expects to match the transaction list's filters, from its
-- statistics, reading no row: the list's total past what is cheap to count. EXPLAIN with the
-- filters bound as parameters (never spliced into the text), as the list itself is planned.
create or replace function commerce.estimate_transactions(
  p_status text, p_membership_id text, p_from timestamptz, p_to timestamptz
) returns bigint
-- Volatile, as PostgreSQL requires of a function that runs EXPLAIN; it writes nothing.
language plpgsql security invoker set search_path = pg_catalog, pg_temp as $$
declare
  plan json;
begin
  execute 'explain (format json) select 1 from commerce.transactions t
           where ($1::text is null or t.transaction_status = $1)
             and ($2::text is null or t.membership_id = $2)
             and ($3::timestamptz is null or t.created_at >= $3)
             and ($4::timestamptz is null or t.created_at < $4)'
    into plan using p_status, p_membership_id, p_from, p_to;
  return round((plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric);
end
$$;
revoke all on function commerce.estimate_transactions(text, text, timestamptz, timestamptz) from public;
grant execute on function commerce.estimate_transactions(text, text, timestamptz, timestamptz)
  to commerce_logistics, commerce_analytics;
