-- Every portal keeps the sessions it has just read in memory for a few seconds
-- (commerce/portal/sign-in.ts). A session that ends (signed out, its person disabled or removed,
-- or deleted by hand) or changes notifies channel tessera_portal_sessions with its id, the hex of
-- its token hash, from the same transaction: every portal LISTENs and forgets it as the change
-- commits. '*' (a truncate) forgets them all. last_seen_at, touched on use, notifies nobody.
create function portal.notify_session_revoked() returns trigger
language plpgsql set search_path = pg_catalog, pg_temp as $$
begin
  if tg_level = 'ROW' then
    perform pg_notify('tessera_portal_sessions', encode(old.token_hash, 'hex'));
  else
    perform pg_notify('tessera_portal_sessions', '*');
  end if;
  return null;
end
$$;
-- Fired by the triggers alone: nobody calls it.
revoke all on function portal.notify_session_revoked() from public;

create trigger sessions_changed after update on portal.sessions for each row
  when ((old.token_hash, old.login, old.team, old.csrf_token, old.expires_at)
        is distinct from (new.token_hash, new.login, new.team, new.csrf_token, new.expires_at))
  execute function portal.notify_session_revoked();
create trigger sessions_deleted after delete on portal.sessions for each row
  execute function portal.notify_session_revoked();
create trigger sessions_truncated after truncate on portal.sessions for each statement
  execute function portal.notify_session_revoked();
