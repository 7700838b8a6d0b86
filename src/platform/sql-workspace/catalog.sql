-- What the current user may use, for the workspace's autocompletion: the schemas they have USAGE
-- on, the tables and views they may read (each with the columns they may read), and the functions
-- and procedures they may execute. The system catalogs are left out: everyone may read them.
with usable as (
  select n.oid, n.nspname
  from pg_namespace n
  where has_schema_privilege(n.oid, 'USAGE')
    and n.nspname not in ('pg_catalog', 'information_schema')
    and n.nspname not like 'pg\_%'
),
relations as (
  select c.oid, c.relnamespace, c.relname,
         case c.relkind when 'v' then 'view' when 'm' then 'view' else 'table' end as kind
  from pg_class c join usable u on u.oid = c.relnamespace
  where c.relkind in ('r', 'p', 'v', 'm', 'f')
    and (has_table_privilege(c.oid, 'SELECT')
         or has_any_column_privilege(c.oid, 'SELECT'))
),
columns as (
  select r.oid, jsonb_agg(jsonb_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod))
                          order by a.attnum) as list
  from relations r join pg_attribute a on a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped
  where has_column_privilege(r.oid, a.attnum, 'SELECT')
  group by r.oid
),
routines as (
  select p.pronamespace, p.proname, pg_get_function_identity_arguments(p.oid) as arguments,
         case p.prokind when 'p' then 'procedure' else 'function' end as kind
  from pg_proc p join usable u on u.oid = p.pronamespace
  where has_function_privilege(p.oid, 'EXECUTE') and p.prokind in ('f', 'p')
)
select u.nspname as name,
       coalesce((select jsonb_agg(jsonb_build_object('name', r.relname, 'kind', r.kind,
                                                     'columns', coalesce(c.list, '[]'::jsonb))
                                  order by r.relname)
                 from relations r left join columns c on c.oid = r.oid
                 where r.relnamespace = u.oid), '[]'::jsonb) as tables,
       coalesce((select jsonb_agg(jsonb_build_object('name', p.proname, 'kind', p.kind,
                                                     'arguments', p.arguments)
                                  order by p.proname, p.arguments)
                 from routines p where p.pronamespace = u.oid), '[]'::jsonb) as procedures
from usable u
order by u.nspname
