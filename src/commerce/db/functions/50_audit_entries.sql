-- The audit log as administrators read it. The view runs with its owner's rights over the log
-- (administrators hold no grant on the table itself), and hides members' contact details from
-- anyone who does not hold the contact-details grant.
create or replace function commerce.hide_contact_details(p_table text, p_values jsonb) returns jsonb
language sql stable set search_path = pg_catalog, pg_temp as $$
  select case
    when p_table is distinct from 'memberships' or p_values is null
         or pg_has_role(current_user, 'commerce_pii', 'USAGE') then p_values
    else p_values
         || case when p_values ? 'email' then '{"email": "(hidden)"}'::jsonb else '{}' end
         || case when p_values ? 'mobile_no' then '{"mobile_no": "(hidden)"}'::jsonb else '{}' end
  end
$$;
revoke all on function commerce.hide_contact_details(text, jsonb) from public;
grant execute on function commerce.hide_contact_details(text, jsonb) to commerce_admin;

create or replace view commerce.audit_entries as
  select audit_id, changed_at, actor, login, request_id, action, table_name, row_key,
         commerce.hide_contact_details(table_name, old_values) as old_values,
         commerce.hide_contact_details(table_name, new_values) as new_values,
         batch_id
  from commerce.audit_log;
comment on view commerce.audit_entries is 'The audit log, with members'' contact details hidden from those without the contact-details grant.';
revoke all on commerce.audit_entries from public;
grant select on commerce.audit_entries to commerce_admin;

-- One record's history (a transaction with its lines, or an item), for whoever may read that
-- record: the teams that read its table, and administrators. Decided here, by the database, on the
-- person acting (also when the portal acts for them); anyone else is refused.
create or replace function commerce.record_history(p_table text, p_id bigint)
returns table (audit_id bigint, changed_at timestamptz, actor text, action text, table_name text,
               row_key jsonb, old_values jsonb, new_values jsonb, batch_id uuid)
language plpgsql stable security definer set search_path = pg_catalog, pg_temp as $$
begin
  if p_table is null or p_table not in ('transactions', 'items') then
    raise exception 'history is kept for transactions and items, not %', coalesce(p_table, '(none)')
      using errcode = 'P0001';
  end if;
  if not (has_table_privilege(commerce.current_actor(), format('commerce.%I', p_table), 'SELECT')
          or pg_has_role(commerce.current_actor(), 'commerce_admin', 'MEMBER')) then
    raise exception 'permission denied: % may not read the history of %', commerce.current_actor(), p_table
      using errcode = '42501';
  end if;
  if p_table = 'items' then
    return query
      select a.audit_id, a.changed_at, a.actor, a.action, a.table_name, a.row_key, a.old_values, a.new_values, a.batch_id
      from commerce.audit_log a
      where a.table_name = 'items' and a.row_key = jsonb_build_object('item_id', p_id)
      order by a.audit_id desc;
  else
    return query
      select a.audit_id, a.changed_at, a.actor, a.action, a.table_name, a.row_key, a.old_values, a.new_values, a.batch_id
      from commerce.audit_log a
      where a.table_name in ('transactions', 'transacted_items') and (a.row_key ->> 'transaction_id') = p_id::text
      order by a.audit_id desc;
  end if;
end
$$;
revoke all on function commerce.record_history(text, bigint) from public;
grant execute on function commerce.record_history(text, bigint)
  to commerce_logistics, commerce_analytics, commerce_sales, commerce_admin;
