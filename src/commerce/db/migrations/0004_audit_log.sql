-- Append-only record of every change: who (the database role of the person), when, which row,
-- and the values before and after. Triggers write it as its owner; no role may change or remove
-- an entry, and even the owner is stopped by the guard triggers below.
create table commerce.audit_log (
  audit_id     bigint      generated always as identity primary key,
  changed_at   timestamptz not null default clock_timestamp(),
  actor        text        not null,
  login        text        not null,
  request_id   text,
  action       text        not null check (action in (
    'insert', 'update', 'delete',
    'person.add', 'person.remove', 'person.disable', 'person.enable', 'person.pii.grant', 'person.pii.revoke',
    'bulk.load'
  )),
  table_name   text,
  row_key      jsonb,
  old_values   jsonb,
  new_values   jsonb,
  xact_id      xid8        not null default pg_current_xact_id()
);
comment on table commerce.audit_log is 'Append-only history of changes; written by triggers and people procedures only.';
comment on column commerce.audit_log.actor is 'The role whose rights made the change: the person, also when the portal acts for them.';
comment on column commerce.audit_log.login is 'The role that opened the connection (the portal''s authenticator, or the person with psql).';
comment on column commerce.audit_log.request_id is 'The portal request that made the change, when there was one.';
create index audit_log_table_key_idx on commerce.audit_log (table_name, row_key);
create index audit_log_actor_idx on commerce.audit_log (actor, changed_at);
create index audit_log_changed_at_idx on commerce.audit_log (changed_at);
revoke all on commerce.audit_log from public;

-- The person acting: the role set for this transaction by the portal (SET LOCAL ROLE), else the login.
create function commerce.current_actor() returns text
language sql stable set search_path = pg_catalog, pg_temp as $$
  select coalesce(nullif(current_setting('role'), 'none'), session_user::text)
$$;
revoke all on function commerce.current_actor() from public;

create function commerce.write_audit(
  p_action text, p_table text, p_key jsonb, p_old jsonb, p_new jsonb
) returns void
language sql security definer set search_path = pg_catalog, pg_temp as $$
  insert into commerce.audit_log (actor, login, request_id, action, table_name, row_key, old_values, new_values)
  values (commerce.current_actor(), session_user, nullif(current_setting('tessera.request_id', true), ''),
          p_action, p_table, p_key, p_old, p_new)
$$;
revoke all on function commerce.write_audit(text, text, jsonb, jsonb, jsonb) from public;

-- Trigger arguments name the primary key columns. An update records only the columns that changed.
create function commerce.audit_row() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  before jsonb := case when tg_op <> 'INSERT' then to_jsonb(old) end;
  after  jsonb := case when tg_op <> 'DELETE' then to_jsonb(new) end;
  keyed  jsonb := coalesce(after, before);
  key    jsonb := '{}';
  col    text;
  changed_before jsonb := '{}';
  changed_after  jsonb := '{}';
begin
  foreach col in array tg_argv loop
    key := key || jsonb_build_object(col, keyed -> col);
  end loop;
  if tg_op = 'UPDATE' then
    for col in select jsonb_object_keys(after) loop
      if (before -> col) is distinct from (after -> col) and col <> 'updated_at' then
        changed_before := changed_before || jsonb_build_object(col, before -> col);
        changed_after := changed_after || jsonb_build_object(col, after -> col);
      end if;
    end loop;
    if changed_after = '{}' then
      return null;
    end if;
    before := changed_before;
    after := changed_after;
  end if;
  perform commerce.write_audit(lower(tg_op), tg_table_name::text, key, before, after);
  return null;
end
$$;
revoke all on function commerce.audit_row() from public;

create trigger memberships_audit after insert or update or delete on commerce.memberships
  for each row execute function commerce.audit_row('membership_id');
create trigger manufacturers_audit after insert or update or delete on commerce.manufacturers
  for each row execute function commerce.audit_row('manufacturer_id');
create trigger items_audit after insert or update or delete on commerce.items
  for each row execute function commerce.audit_row('item_id');
create trigger transactions_audit after insert or update or delete on commerce.transactions
  for each row execute function commerce.audit_row('transaction_id');
create trigger transacted_items_audit after insert or update or delete on commerce.transacted_items
  for each row execute function commerce.audit_row('transaction_id', 'item_id');

create function commerce.refuse_audit_change() returns trigger
language plpgsql set search_path = pg_catalog, pg_temp as $$
begin
  raise exception 'the audit log is append-only: entries cannot be changed or removed'
    using errcode = '42501';
end
$$;
revoke all on function commerce.refuse_audit_change() from public;

create trigger audit_log_append_only before update or delete on commerce.audit_log
  for each row execute function commerce.refuse_audit_change();
create trigger audit_log_no_truncate before truncate on commerce.audit_log
  for each statement execute function commerce.refuse_audit_change();
