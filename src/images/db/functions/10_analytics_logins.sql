-- BI logins: one LOGIN role per tool or analyst, a member of tessera_analytics_reader only. These
-- run as their owner (SECURITY DEFINER) so the checks below cannot be skipped by a caller; nobody
-- but the owner may call them. They live in schema images, out of the BI tools' sight.

-- CONNECT is a property of the database, not copied from a template: so it is granted here.
do $$
begin
  execute format('grant connect on database %I to tessera_analytics_reader', current_database());
end
$$;

-- An analytics login is in the reader role and in no other, and has no powers: the only roles
-- these functions will touch.
create or replace function images.is_analytics_login(p_login text) returns boolean
language sql stable security definer set search_path = pg_catalog, pg_temp as $$
  select exists (
    select 1 from pg_roles r
    where r.rolname = p_login and r.rolcanlogin
      and not (r.rolsuper or r.rolcreaterole or r.rolcreatedb or r.rolreplication or r.rolbypassrls)
      and array(select distinct g.rolname::text from pg_auth_members m join pg_roles g on g.oid = m.roleid
                where m.member = r.oid) = array['tessera_analytics_reader'])
$$;

create or replace function images.require_analytics_login(p_login text) returns void
language plpgsql stable security definer set search_path = pg_catalog, pg_temp as $$
begin
  if not exists (select 1 from pg_roles where rolname = p_login) then
    raise exception 'there is no login %', coalesce(p_login, '(none)') using errcode = 'P0001';
  end if;
  if not images.is_analytics_login(p_login) then
    raise exception '% is not an analytics login (one made by tessera analytics sql-login), so it is left alone',
      p_login using errcode = 'P0001';
  end if;
end
$$;

-- The password arrives as a SCRAM-SHA-256 verifier computed by the client: no plaintext reaches
-- the server or its logs.
create or replace function images.check_password_verifier(p_verifier text) returns void
language plpgsql immutable set search_path = pg_catalog, pg_temp as $$
begin
  if p_verifier is null
     or p_verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' then
    raise exception 'the password must be given as a SCRAM-SHA-256 verifier' using errcode = 'P0001';
  end if;
end
$$;

-- Read-only by privileges; the settings below are defaults a BI tool gets without asking (a
-- session may change its own settings, never its privileges).
create or replace function images.add_analytics_login(p_login text, p_password_verifier text) returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
begin
  if p_login is null or p_login !~ '^[a-z][a-z0-9_]{1,62}$' then
    raise exception 'a login is 2 to 63 lowercase letters, digits or _, starting with a letter (got %)',
      coalesce(p_login, '(none)') using errcode = 'P0001';
  end if;
  if p_login ~ '^(pg_|commerce_|tessera)' or p_login in ('postgres', 'public') then
    raise exception 'the login % is reserved', p_login using errcode = 'P0001';
  end if;
  perform images.check_password_verifier(p_password_verifier);
  if images.is_analytics_login(p_login) then
    raise exception 'the analytics login % already exists (--rotate gives it a new password)', p_login
      using errcode = '23505';
  elsif exists (select 1 from pg_roles where rolname = p_login) then
    raise exception 'a role named % already exists on this server (and is not an analytics login)', p_login
      using errcode = '23505';
  end if;
  execute format('create role %I login inherit connection limit 5 password %L in role tessera_analytics_reader',
                 p_login, p_password_verifier);
  execute format('alter role %I set search_path = analytics', p_login);
  execute format('alter role %I set default_transaction_read_only = on', p_login);
  execute format('alter role %I set statement_timeout = %L', p_login, '60s');
  execute format('alter role %I set idle_in_transaction_session_timeout = %L', p_login, '5min');
  execute format('comment on role %I is %L', p_login,
                 'BI login: reads schema analytics only (tessera analytics sql-login)');
end
$$;

-- A new password ends the sessions opened with the old one.
create or replace function images.set_analytics_login_password(p_login text, p_password_verifier text) returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
begin
  perform images.require_analytics_login(p_login);
  perform images.check_password_verifier(p_password_verifier);
  execute format('alter role %I password %L', p_login, p_password_verifier);
  perform pg_terminate_backend(a.pid, 5000) from pg_stat_activity a where a.usename = p_login;
end
$$;

create or replace function images.remove_analytics_login(p_login text) returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
begin
  perform images.require_analytics_login(p_login);
  perform pg_terminate_backend(a.pid, 5000) from pg_stat_activity a where a.usename = p_login;
  execute format('drop role %I', p_login);
end
$$;

revoke all on function images.is_analytics_login(text), images.require_analytics_login(text),
  images.check_password_verifier(text), images.add_analytics_login(text, text),
  images.set_analytics_login_password(text, text), images.remove_analytics_login(text) from public;
