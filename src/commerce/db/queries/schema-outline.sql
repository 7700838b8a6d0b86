-- A version-independent outline of the schemas' structure: columns, constraints, indexes,
-- triggers and functions, one line each, for the checked-in schema snapshot.
with rels as (
  select c.oid, n.nspname, c.relname, c.relkind
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = any($1) and c.relkind in ('r', 'p', 'v', 'm')
)
select line from (
  select 1 as part, format('%s.%s', r.nspname, r.relname) as k, a.attnum as ord,
         format('%s %s.%s.%s %s%s%s%s', case r.relkind when 'v' then 'view' else 'column' end,
                r.nspname, r.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                case when a.attnotnull then ' not null' else '' end,
                case when a.attidentity <> '' then ' identity' else '' end,
                coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')) as line
  from rels r join pg_attribute a on a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped
  left join pg_attrdef d on d.adrelid = r.oid and d.adnum = a.attnum
  union all
  select 2, format('%s.%s', r.nspname, r.relname), 0,
         format('constraint %s.%s %s: %s', r.nspname, r.relname, con.conname, pg_get_constraintdef(con.oid))
  from rels r join pg_constraint con on con.conrelid = r.oid and con.contype in ('p', 'f', 'u', 'c', 'x')
  union all
  select 3, format('%s.%s', r.nspname, r.relname), 0, format('index %s', pg_get_indexdef(i.indexrelid))
  from rels r join pg_index i on i.indrelid = r.oid
  union all
  select 4, format('%s.%s', r.nspname, r.relname), 0, format('trigger %s', pg_get_triggerdef(t.oid))
  from rels r join pg_trigger t on t.tgrelid = r.oid and not t.tgisinternal
  union all
  select 5, p.proname::text, 0,
         format('function %s.%s(%s) returns %s, %s, %s%s, body %s', n.nspname, p.proname,
                oidvectortypes(p.proargtypes), format_type(p.prorettype, null), l.lanname,
                case p.provolatile when 'i' then 'immutable' when 's' then 'stable' else 'volatile' end,
                case when p.prosecdef then ', security definer' else '' end, md5(p.prosrc))
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
  where n.nspname = any($1)
) outline
order by part, k, ord, line
