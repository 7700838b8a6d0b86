-- The portal's query workspace. Statements run on a connection logged in as the person (never on
-- the authenticator's), so these tables hold only bookkeeping: what each person ran, for them and
-- for administrators, and the queries people saved.

-- Every statement run in a workspace, with who ran it; written by the portal, read by people
-- (their own history, through the portal) and by administrators (all of it). Nobody updates it.
create table portal.query_log (
  id         bigint generated always as identity primary key,
  login      text        not null,
  team       text        not null,
  kind       text        not null check (kind in ('run', 'explain', 'csv')),
  statement  text        not null,
  started_at timestamptz not null default now(),
  ms         integer     not null check (ms >= 0),
  row_count  bigint      check (row_count >= 0),
  sqlstate   text,
  error      text
);
create index query_log_login_idx on portal.query_log (login, id desc);
comment on table portal.query_log is 'Every statement run in the portal''s query workspace, by whom; administrators read it.';

create table portal.saved_queries (
  id          bigint generated always as identity primary key,
  owner       text        not null,
  team        text        not null,
  name        text        not null check (length(name) between 1 and 200),
  statement   text        not null check (length(statement) between 1 and 100000),
  description text        not null default '',
  shared      boolean     not null default false,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
create index saved_queries_owner_idx on portal.saved_queries (owner);
create index saved_queries_team_idx on portal.saved_queries (team) where shared;
comment on table portal.saved_queries is 'Queries people saved in the workspace; shared ones are seen by their team.';

grant select, insert on portal.query_log to commerce_portal;
grant select, insert, update, delete on portal.saved_queries to commerce_portal;
grant usage on schema portal to commerce_admin;
grant select on portal.query_log to commerce_admin;
