-- The teams' daily work: amending a transaction's lines, moving many transactions at once, and
-- importing items. A change made by one call (an amendment, a bulk move) is one batch in the
-- audit log: one summary entry says what was asked, and every row entry it caused carries the
-- same batch id.
alter table commerce.audit_log drop constraint audit_log_action_check;
alter table commerce.audit_log add constraint audit_log_action_check check (action in (
  'insert', 'update', 'delete',
  'person.add', 'person.remove', 'person.disable', 'person.enable', 'person.pii.grant', 'person.pii.revoke',
  'bulk.load', 'transaction.amend', 'transaction.bulk_status'
));
alter table commerce.audit_log add column batch_id uuid;
comment on column commerce.audit_log.batch_id is 'The batch (one amendment, one bulk move) the entry belongs to; its summary entry has the same id.';
create index audit_log_batch_idx on commerce.audit_log (batch_id) where batch_id is not null;

-- The batch id is taken from a transaction setting that only the batch procedures set, and only
-- when the summary entry of that batch was written in this same database transaction: a person
-- who sets the setting by hand cannot file their own changes under someone else's batch.
create or replace function commerce.write_audit(
  p_action text, p_table text, p_key jsonb, p_old jsonb, p_new jsonb
) returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  setting text := current_setting('tessera.batch_id', true);
  batch uuid := case when setting ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' then setting::uuid end;
begin
  if batch is not null and p_action not in ('transaction.amend', 'transaction.bulk_status')
     and not exists (select 1 from commerce.audit_log a
                     where a.batch_id = batch and a.xact_id = pg_current_xact_id()
                       and a.action in ('transaction.amend', 'transaction.bulk_status')) then
    batch := null;
  end if;
  insert into commerce.audit_log (actor, login, request_id, action, table_name, row_key, old_values, new_values, batch_id)
  values (commerce.current_actor(), session_user, nullif(current_setting('tessera.request_id', true), ''),
          p_action, p_table, p_key, p_old, p_new, batch);
end
$$;
revoke all on function commerce.write_audit(text, text, jsonb, jsonb, jsonb) from public;

-- Items name their manufacturer when they are imported from a supplier's list; older items have none.
alter table commerce.items add column manufacturer_id bigint references commerce.manufacturers;
comment on column commerce.items.manufacturer_id is 'Who makes the item, when known.';
create index items_manufacturer_idx on commerce.items (manufacturer_id) where manufacturer_id is not null;
grant insert (manufacturer_id), update (manufacturer_id) on commerce.items to commerce_logistics, commerce_sales;

-- A transaction's history: its own entries and its lines'.
create index audit_log_transaction_idx on commerce.audit_log ((row_key ->> 'transaction_id'))
  where table_name in ('transactions', 'transacted_items');
