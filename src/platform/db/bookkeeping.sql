-- Tessera's own record of applied migrations, shared by every area.
create schema if not exists tessera;
revoke all on schema tessera from public;

create table if not exists tessera.migrations (
  area       text        not null,
  name       text        not null,
  checksum   text        not null,
  applied_at timestamptz not null default now(),
  primary key (area, name)
);
