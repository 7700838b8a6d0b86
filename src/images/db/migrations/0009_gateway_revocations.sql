-- Every gateway keeps verified API keys in memory for a few seconds (key-cache.ts). A change that
-- must stop a key at once (revoked, re-scoped, its principal disabled, re-roled or moved to other
-- networks) notifies channel tessera_gateway_revocations with the principal's id, from the same
-- transaction: every gateway LISTENs and drops that principal's keys when the change commits.
-- '*' (a truncate) drops every key. last_used_at, touched on use, notifies nobody.
create function gateway.notify_revocation() returns trigger
language plpgsql set search_path = pg_catalog, pg_temp as $$
begin
  if tg_level = 'ROW' then
    perform pg_notify('tessera_gateway_revocations', old.principal_id::text);
  else
    perform pg_notify('tessera_gateway_revocations', '*');
  end if;
  return null;
end
$$;

create trigger api_keys_revoked after update on gateway.api_keys for each row
  when ((old.revoked_at, old.scopes, old.principal_id, old.prefix, old.key_hash)
        is distinct from (new.revoked_at, new.scopes, new.principal_id, new.prefix, new.key_hash))
  execute function gateway.notify_revocation();
create trigger api_keys_deleted after delete on gateway.api_keys for each row
  execute function gateway.notify_revocation();
create trigger api_keys_truncated after truncate on gateway.api_keys for each statement
  execute function gateway.notify_revocation();

create trigger principals_changed after update on gateway.principals for each row
  when ((old.disabled_at, old.role, old.cidrs, old.name)
        is distinct from (new.disabled_at, new.role, new.cidrs, new.name))
  execute function gateway.notify_revocation();
create trigger principals_deleted after delete on gateway.principals for each row
  execute function gateway.notify_revocation();
create trigger principals_truncated after truncate on gateway.principals for each statement
  execute function gateway.notify_revocation();
