-- People: one LOGIN role per person, member of one team. These run as their owner (SECURITY
-- DEFINER) so that whoever may call them needs no CREATEROLE of their own; nobody may call them
-- until EXECUTE is granted. Every change is written to the audit log.

-- The people and their teams, read from the catalogue itself so it can never disagree with it.
create or replace view commerce.people as
  select r.rolname::text as login,
         substr(team.rolname, length('commerce_') + 1) as team,
         exists (select 1 from pg_auth_members p join pg_roles pr on pr.oid = p.roleid
                 where p.member = r.oid and pr.rolname = 'commerce_pii') as pii,
         r.rolcanlogin as can_login
  from pg_roles r
  join pg_auth_members m on m.member = r.oid
  join pg_roles team on team.oid = m.roleid
  where team.rolname in ('commerce_logistics', 'commerce_analytics', 'commerce_sales', 'commerce_admin');
revoke all on commerce.people from public;

create or replace function commerce.require_person(p_login text) returns commerce.people
language plpgsql stable security definer set search_path = pg_catalog, pg_temp as $$
declare
  person commerce.people;
begin
  select * into person from commerce.people p where p.login = p_login;
  if not found then
    raise exception 'there is no person with login %', coalesce(p_login, '(none)') using errcode = 'P0001';
  end if;
  return person;
end
$$;

-- Contact details are for teams that read members; sales and administrators do not.
create or replace function commerce.check_pii_allowed(p_team text, p_pii boolean) returns void
language plpgsql immutable set search_path = pg_catalog, pg_temp as $$
begin
  if coalesce(p_pii, false) and p_team in ('sales', 'admin') then
    raise exception '% does not read members, so contact details cannot be granted to a % person', p_team, p_team
      using errcode = 'P0001';
  end if;
end
$$;

-- p_password_verifier is a SCRAM-SHA-256 verifier computed by the client, so that no plaintext
-- password ever reaches the server or its logs.
create or replace function commerce.add_person(
  p_login text, p_team text, p_pii boolean, p_password_verifier text
) returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
begin
  if p_login is null or p_login !~ '^[a-z][a-z0-9_]{1,62}$' then
    raise exception 'a login is 2 to 63 lowercase letters, digits or _, starting with a letter'
      using errcode = 'P0001';
  end if;
  if p_login ~ '^(pg_|commerce_|tessera)' or p_login in ('postgres', 'public') then
    raise exception 'the login % is reserved', p_login using errcode = 'P0001';
  end if;
  if p_team is null or p_team not in ('logistics', 'analytics', 'sales', 'admin') then
    raise exception 'unknown team %; use logistics, analytics, sales or admin', coalesce(p_team, '(none)')
      using errcode = 'P0001';
  end if;
  perform commerce.check_pii_allowed(p_team, p_pii);
  if p_password_verifier is null
     or p_password_verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' then
    raise exception 'the password must be given as a SCRAM-SHA-256 verifier' using errcode = 'P0001';
  end if;
  if exists (select 1 from pg_roles where rolname = p_login) then
    raise exception 'the login % already exists', p_login using errcode = '23505';
  end if;
  execute format('create role %I login inherit password %L in role %I',
                 p_login, p_password_verifier, 'commerce_' || p_team);
  execute format('alter role %I set search_path = commerce, public', p_login);
  -- The portal's authenticator may act as the person (SET ROLE), and gains nothing else by it.
  execute format('grant %I to commerce_portal', p_login);
  if coalesce(p_pii, false) then
    execute format('grant commerce_pii to %I', p_login);
  end if;
  perform commerce.write_audit('person.add', null, jsonb_build_object('login', p_login), null,
                               jsonb_build_object('team', p_team, 'pii', coalesce(p_pii, false)));
end
$$;

create or replace function commerce.set_person_pii(p_login text, p_pii boolean) returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  person commerce.people := commerce.require_person(p_login);
begin
  if p_pii then
    perform commerce.check_pii_allowed(person.team, p_pii);
  end if;
  if p_pii = person.pii then
    return;
  end if;
  if p_pii then
    execute format('grant commerce_pii to %I', p_login);
  else
    execute format('revoke commerce_pii from %I', p_login);
  end if;
  perform commerce.write_audit(case when p_pii then 'person.pii.grant' else 'person.pii.revoke' end,
                               null, jsonb_build_object('login', p_login), null, null);
end
$$;

-- Disabling stops new sign-ins and ends the person's open sessions.
create or replace function commerce.set_person_enabled(p_login text, p_enabled boolean) returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  person commerce.people := commerce.require_person(p_login);
begin
  if p_enabled = person.can_login then
    return;
  end if;
  execute format('alter role %I %s', p_login, case when p_enabled then 'login' else 'nologin' end);
  if not p_enabled then
    perform pg_terminate_backend(a.pid) from pg_stat_activity a where a.usename = p_login;
    delete from portal.sessions s where s.login = p_login;
  end if;
  perform commerce.write_audit(case when p_enabled then 'person.enable' else 'person.disable' end,
                               null, jsonb_build_object('login', p_login), null, null);
end
$$;

-- The person's past changes stay in the audit log under their login name.
create or replace function commerce.remove_person(p_login text) returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  person commerce.people := commerce.require_person(p_login);
begin
  perform pg_terminate_backend(a.pid) from pg_stat_activity a where a.usename = p_login;
  delete from portal.sessions s where s.login = p_login;
  execute format('drop role %I', p_login);
  perform commerce.write_audit('person.remove', null, jsonb_build_object('login', p_login),
                               jsonb_build_object('team', person.team, 'pii', person.pii), null);
end
$$;

revoke all on function commerce.check_pii_allowed(text, boolean), commerce.require_person(text),
  commerce.add_person(text, text, boolean, text), commerce.set_person_pii(text, boolean),
  commerce.set_person_enabled(text, boolean), commerce.remove_person(text) from public;
revoke all on commerce.people from public;
grant select on commerce.people to commerce_admin;
grant execute on function commerce.add_person(text, text, boolean, text), commerce.set_person_pii(text, boolean),
  commerce.set_person_enabled(text, boolean), commerce.remove_person(text) to commerce_admin;
