-- Every table of every schema but the catalogs' and extensions', leaves only (a partitioned
-- table's rows are in its partitions); the migrations' own record is the target's to keep.
select format('%I.%I', n.nspname, c.relname) as name
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where c.relkind = $1
  and n.nspname not in ('pg_catalog', 'information_schema')
  and n.nspname not like 'pg\_%'
  and not (n.nspname = 'tessera' and c.relname = 'migrations')
  and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')
order by n.nspname, c.relname;
