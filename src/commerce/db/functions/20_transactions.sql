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

-- Opens an audit batch: its summary entry first, then every row entry written until the batch
-- closes carries its id (see write_audit). Only the batch procedures below call it.
create or replace function commerce.open_audit_batch(
  p_action text, p_table text, p_key jsonb, p_old jsonb, p_new jsonb
) returns uuid
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  batch uuid := gen_random_uuid();
begin
  perform set_config('tessera.batch_id', batch::text, true);
  perform commerce.write_audit(p_action, p_table, coalesce(p_key, '{}') || jsonb_build_object('batch_id', batch), p_old, p_new);
  return batch;
end
$$;
revoke all on function commerce.open_audit_batch(text, text, jsonb, jsonb, jsonb) from public;

-- The caller (the person, also when the portal acts for them) must hold the table rights the
-- change needs, as they would under SECURITY INVOKER; EXECUTE is the first gate, this the second.
create or replace function commerce.require_transaction_writes() returns void
language plpgsql stable set search_path = pg_catalog, pg_temp as $$
begin
  -- Column privileges: the teams hold their write grants column by column.
  if not (has_column_privilege(commerce.current_actor(), 'commerce.transactions', 'transaction_status', 'UPDATE')
          and has_column_privilege(commerce.current_actor(), 'commerce.transacted_items', 'item_id', 'INSERT')
          and has_column_privilege(commerce.current_actor(), 'commerce.transacted_items', 'quantity', 'UPDATE')) then
    raise exception 'permission denied: % may not change transactions', commerce.current_actor()
      using errcode = '42501';
  end if;
end
$$;
revoke all on function commerce.require_transaction_writes() from public;

-- A transaction's lines as one jsonb array, in item order: what an amendment's audit entry shows.
create or replace function commerce.transaction_lines(p_transaction_id bigint) returns jsonb
language sql stable set search_path = pg_catalog, pg_temp as $$
  select coalesce(jsonb_agg(jsonb_build_object('item_id', ti.item_id, 'quantity', ti.quantity) order by ti.item_id), '[]')
  from commerce.transacted_items ti where ti.transaction_id = p_transaction_id
$$;
revoke all on function commerce.transaction_lines(bigint) from public;

-- Replaces a pending or paid transaction's lines with p_lines ('[{"item_id": 1, "quantity": 2}]'):
-- items not listed are removed, listed ones added or given their new quantity. The totals follow
-- through the triggers; the whole amendment is one audit batch. SECURITY DEFINER because removing
-- a line is a delete that no team is granted: only this procedure may do it, for logistics (who
-- may insert and update lines) and only while the transaction is pending or paid.
create or replace function commerce.amend_transaction(p_transaction_id bigint, p_lines jsonb)
returns uuid
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  status text;
  line jsonb;
  position int := 0;
  wanted jsonb := '{}';
  item bigint;
  quantity numeric;
  before jsonb;
  batch uuid;
begin
  perform commerce.require_transaction_writes();
  if p_lines is null or jsonb_typeof(p_lines) <> 'array' or jsonb_array_length(p_lines) = 0 then
    raise exception 'a transaction needs at least one item' using errcode = 'P0001';
  end if;
  select t.transaction_status into status from commerce.transactions t
    where t.transaction_id = p_transaction_id for update;
  if not found then
    raise exception 'there is no transaction %', p_transaction_id using errcode = 'P0001';
  end if;
  if status not in ('pending', 'paid') then
    raise exception 'transaction % is % and its items can no longer change; only pending or paid transactions are amended',
      p_transaction_id, status using errcode = 'P0001';
  end if;
  for line in select value from jsonb_array_elements(p_lines) loop
    position := position + 1;
    if jsonb_typeof(line -> 'item_id') is distinct from 'number' then
      raise exception 'line %: item_id must be an item number', position using errcode = 'P0001';
    end if;
    item := (line ->> 'item_id')::bigint;
    if wanted ? item::text then
      raise exception 'line %: item % is listed twice; give it once with the total quantity', position, item
        using errcode = 'P0001';
    end if;
    if jsonb_typeof(line -> 'quantity') is distinct from 'number' then
      raise exception 'line %: quantity must be a whole number above zero', position using errcode = 'P0001';
    end if;
    quantity := (line ->> 'quantity')::numeric;
    if quantity <= 0 or quantity <> trunc(quantity) or quantity > 2147483647 then
      raise exception 'line %: quantity must be a whole number above zero, not %', position, quantity
        using errcode = 'P0001';
    end if;
    wanted := wanted || jsonb_build_object(item::text, quantity::int);
  end loop;

  before := commerce.transaction_lines(p_transaction_id);
  batch := commerce.open_audit_batch('transaction.amend', 'transactions',
    jsonb_build_object('transaction_id', p_transaction_id),
    jsonb_build_object('lines', before),
    jsonb_build_object('lines', (select jsonb_agg(jsonb_build_object('item_id', k::bigint, 'quantity', v::int) order by k::bigint)
                                 from jsonb_each_text(wanted) as w(k, v))));

  delete from commerce.transacted_items ti
    where ti.transaction_id = p_transaction_id and not wanted ? ti.item_id::text;
  update commerce.transacted_items ti set quantity = (wanted ->> ti.item_id::text)::int
    where ti.transaction_id = p_transaction_id and ti.quantity <> (wanted ->> ti.item_id::text)::int;
  insert into commerce.transacted_items (transaction_id, item_id, quantity)
    select p_transaction_id, w.k::bigint, w.v::int from jsonb_each_text(wanted) as w(k, v)
    where not exists (select 1 from commerce.transacted_items ti
                      where ti.transaction_id = p_transaction_id and ti.item_id = w.k::bigint);
  perform set_config('tessera.batch_id', '', true);
  return batch;
end
$$;
revoke all on function commerce.amend_transaction(bigint, jsonb) from public;
grant execute on function commerce.amend_transaction(bigint, jsonb) to commerce_logistics;

-- The next status on the way to completed; cancelling is done one by one.
create or replace function commerce.next_transaction_status(p_status text) returns text
language sql immutable set search_path = pg_catalog, pg_temp as $$
  select case p_status when 'pending' then 'paid' when 'paid' then 'shipped' when 'shipped' then 'completed' end
$$;
revoke all on function commerce.next_transaction_status(text) from public;
grant execute on function commerce.next_transaction_status(text) to commerce_logistics;

-- What a bulk move of these transactions would do, one row per id given (in their order): the
-- status each is in, the one it would move to, or why it cannot move. Changes nothing.
create or replace function commerce.preview_bulk_status(p_transaction_ids bigint[])
returns table (transaction_id bigint, from_status text, to_status text, problem text)
language sql stable security invoker set search_path = pg_catalog, pg_temp as $$
  select given.id, t.transaction_status, commerce.next_transaction_status(t.transaction_status),
         case
           when given.id is null then 'not a transaction number'
           when given.n > 1 then 'listed more than once'
           when t.transaction_id is null then 'there is no such transaction'
           when t.transaction_status in ('completed', 'cancelled') then 'it is ' || t.transaction_status || ' and moves no further'
         end
  from (select u.id, u.ord, count(*) over (partition by u.id) as n,
               row_number() over (partition by u.id order by u.ord) as first
        from unnest(p_transaction_ids) with ordinality as u(id, ord)) given
  left join commerce.transactions t on t.transaction_id = given.id
  where given.first = 1
  order by given.ord
$$;
revoke all on function commerce.preview_bulk_status(bigint[]) from public;
grant execute on function commerce.preview_bulk_status(bigint[]) to commerce_logistics;

-- Moves each transaction of p_moves ('[{"transaction_id": 1, "from_status": "pending"}]', as the
-- preview showed them) to its next status: all of them or, if any cannot move or is no longer in
-- the status the preview saw, none. One audit batch; returns its id. SECURITY DEFINER only to
-- write the batch's summary entry; the caller must hold logistics' rights on transactions.
create or replace function commerce.apply_bulk_status(p_moves jsonb)
returns uuid
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  problems text;
  batch uuid;
  moves jsonb;
begin
  perform commerce.require_transaction_writes();
  if p_moves is null or jsonb_typeof(p_moves) <> 'array' or jsonb_array_length(p_moves) = 0 then
    raise exception 'choose at least one transaction to move' using errcode = 'P0001';
  end if;
  if exists (select 1 from jsonb_array_elements(p_moves) m
             where jsonb_typeof(m -> 'transaction_id') is distinct from 'number'
                or jsonb_typeof(m -> 'from_status') is distinct from 'string') then
    raise exception 'each move needs a transaction_id and the from_status the preview showed' using errcode = 'P0001';
  end if;
  -- Locked in id order, so two bulk moves over the same transactions cannot deadlock.
  perform 1 from commerce.transactions t
    where t.transaction_id in (select (m ->> 'transaction_id')::bigint from jsonb_array_elements(p_moves) m)
    order by t.transaction_id for update;
  select string_agg(format('#%s: %s', m.id, coalesce(p.problem,
           format('it is now %s, not %s; preview again', p.from_status, m.from_status))), '; ' order by m.ord)
    into problems
    from (select (e ->> 'transaction_id')::bigint as id, e ->> 'from_status' as from_status, ord
          from jsonb_array_elements(p_moves) with ordinality as x(e, ord)) m
    join commerce.preview_bulk_status(array(select (e ->> 'transaction_id')::bigint
                                            from jsonb_array_elements(p_moves) e)) p on p.transaction_id = m.id
    where p.problem is not null or p.from_status is distinct from m.from_status;
  if problems is not null then
    raise exception 'nothing was moved: %', problems using errcode = 'P0001';
  end if;
  select jsonb_agg(jsonb_build_object('transaction_id', t.transaction_id, 'from_status', t.transaction_status,
                                      'to_status', commerce.next_transaction_status(t.transaction_status))
                   order by t.transaction_id)
    into moves
    from commerce.transactions t
    where t.transaction_id in (select (m ->> 'transaction_id')::bigint from jsonb_array_elements(p_moves) m);
  batch := commerce.open_audit_batch('transaction.bulk_status', 'transactions', '{}', null,
    jsonb_build_object('moves', moves, 'count', jsonb_array_length(moves)));
  update commerce.transactions t set transaction_status = commerce.next_transaction_status(t.transaction_status)
    where t.transaction_id in (select (m ->> 'transaction_id')::bigint from jsonb_array_elements(p_moves) m);
  perform set_config('tessera.batch_id', '', true);
  return batch;
end
$$;
revoke all on function commerce.apply_bulk_status(jsonb) from public;
grant execute on function commerce.apply_bulk_status(jsonb) to commerce_logistics;

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

-- One transaction with its lines, as the portal shows it, or null if the caller sees no such
-- transaction. VOLATILE, so that it reads with a snapshot of its own: called on what
-- record_transaction returns, in the same statement, it sees the rows just written, and a write
-- and its read-back are one statement and one round trip. NUMERIC comes as text, exactly as
-- PostgreSQL writes it, never as a JSON float. PL/pgSQL, so that each connection plans the query
-- once (PostgreSQL before 18 plans a SQL function's body on every call).
create or replace function commerce.transaction_detail(p_transaction_id bigint) returns jsonb
language plpgsql volatile security invoker set search_path = pg_catalog, pg_temp as $$
begin
  return (select jsonb_build_object(
    'transaction_id', t.transaction_id,
    'membership_id', t.membership_id,
    'member_name', m.first_name || ' ' || m.last_name,
    'manufacturer_id', t.manufacturer_id,
    'manufacturer_name', f.manufacturer_name,
    'total_items_cost', t.total_items_cost::text,
    'total_items_weight', t.total_items_weight::text,
    'transaction_status', t.transaction_status,
    'created_at', t.created_at,
    'completed_at', t.completed_at,
    'updated_at', t.updated_at,
    'lines', (
      select coalesce(jsonb_agg(jsonb_build_object(
               'item_id', ti.item_id, 'item_name', i.item_name, 'quantity', ti.quantity,
               'unit_cost', ti.unit_cost::text, 'unit_weight', ti.unit_weight::text,
               'line_cost', (ti.unit_cost * ti.quantity)::text,
               'line_weight', (ti.unit_weight * ti.quantity)::text,
               'retired', i.deleted_at is not null)
             order by i.item_name, ti.item_id), '[]')
      from commerce.transacted_items ti join commerce.items i on i.item_id = ti.item_id
      where ti.transaction_id = t.transaction_id))
  from commerce.transactions t
  join commerce.memberships_public m on m.membership_id = t.membership_id
  join commerce.manufacturers f on f.manufacturer_id = t.manufacturer_id
  where t.transaction_id = p_transaction_id);
end
$$;
revoke all on function commerce.transaction_detail(bigint) from public;
grant execute on function commerce.transaction_detail(bigint)
  to commerce_logistics, commerce_analytics;
