-- BI tools and analysts read the analytics schema through logins made by
-- `tessera analytics sql-login`, each a member of this group role and of nothing else. The views
-- run with their owner's rights, so the role needs no right on images.* itself. Roles belong to the
-- whole cluster (which commerce shares), so it is created only where missing.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'tessera_analytics_reader') then
    begin
      create role tessera_analytics_reader nologin;
    exception when duplicate_object then
      null; -- another database of this cluster created it at the same moment
    end;
  end if;
end
$$;
alter role tessera_analytics_reader nologin;
comment on role tessera_analytics_reader is 'BI logins: read the views of schema analytics, nothing else.';

grant usage on schema analytics to tessera_analytics_reader;
-- Every view there now (0003's, and the rollups' of 0004 when it ran first) …
grant select on all tables in schema analytics to tessera_analytics_reader;
-- … and every one created later by the role that migrates.
alter default privileges in schema analytics grant select on tables to tessera_analytics_reader;

-- Readers cannot write a table anywhere (no grant, no CREATE on public since PostgreSQL 15, no
-- TEMP on this database), but any role may create large objects: not here. Nothing of Tessera
-- uses them. (On a server where the migrating role is not a superuser this only warns.)
revoke execute on function pg_catalog.lo_creat(integer), pg_catalog.lo_create(oid),
  pg_catalog.lo_from_bytea(oid, bytea) from public;
