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
         commerce.hide_contact_details(table_name, new_values) as new_values
  from commerce.audit_log;
comment on view commerce.audit_entries is 'The audit log, with members'' contact details hidden from those without the contact-details grant.';
revoke all on commerce.audit_entries from public;
grant select on commerce.audit_entries to commerce_admin;
