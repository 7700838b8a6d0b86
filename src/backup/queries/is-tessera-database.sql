-- A database Tessera has migrated holds its record of migrations.
select to_regclass('tessera.migrations') is not null as migrated;
