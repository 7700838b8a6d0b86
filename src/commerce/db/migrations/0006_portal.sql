-- The admin portal. It connects as one authenticator role that holds no table rights of its own
-- and runs each request under SET LOCAL ROLE of the signed-in person (the PostgREST way), so the
-- portal can never exceed that person's grants. Administrators are people too: a fourth team.
do $$
declare
  name text;
begin
  foreach name in array array['commerce_admin', 'commerce_portal'] loop
    if not exists (select 1 from pg_roles where rolname = name) then
      begin
        execute format('create role %I nologin', name);
      exception when duplicate_object then
        null;
      end;
    end if;
  end loop;
end
$$;
alter role commerce_admin nologin inherit;
-- LOGIN, with a password set by whoever starts the portal; NOINHERIT: it has nothing by itself.
alter role commerce_portal login noinherit;
comment on role commerce_admin is 'Administrators: manage people, read the audit log.';
comment on role commerce_portal is 'The portal''s authenticator: may only switch to a person''s role.';

-- The portal may act as every existing person; add_person grants it for new ones.
do $$
declare
  person text;
begin
  for person in
    select r.rolname from pg_roles r join pg_auth_members m on m.member = r.oid join pg_roles t on t.oid = m.roleid
    where t.rolname in ('commerce_logistics', 'commerce_analytics', 'commerce_sales')
  loop
    execute format('grant %I to commerce_portal', person);
  end loop;
end
$$;

create schema portal;
revoke all on schema portal from public;
comment on schema portal is 'The admin portal''s own bookkeeping: sessions and failed sign-ins.';

-- A session is known by the SHA-256 of its random token; the token itself lives only in the cookie.
create table portal.sessions (
  token_hash   bytea       primary key,
  login        text        not null,
  team         text        not null,
  csrf_token   text        not null,
  created_at   timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at   timestamptz not null,
  address      text
);
create index sessions_login_idx on portal.sessions (login);

create table portal.sign_in_failures (
  login           text        primary key,
  failures        integer     not null default 0 check (failures >= 0),
  last_failure_at timestamptz not null default now(),
  locked_until    timestamptz
);

grant usage on schema portal to commerce_portal;
grant select, insert, update, delete on portal.sessions, portal.sign_in_failures to commerce_portal;
grant usage on schema commerce to commerce_admin;
