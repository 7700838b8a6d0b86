-- Every privilege held on the objects of the given schemas by a role other than the object's
-- owner, as one row per (object, column, privilege, grantee). PUBLIC is grantee 'PUBLIC'.
with acl as (
  select 'database' as kind, '(this database)' as object, null::text as col, a.privilege_type, a.grantee, d.datdba as owner
  from pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
  where d.datname = current_database()
  union all
  select 'schema', n.nspname::text, null, a.privilege_type, a.grantee, n.nspowner
  from pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
  where n.nspname = any($1)
  union all
  select 'relation', format('%s.%s', n.nspname, c.relname), null, a.privilege_type, a.grantee, c.relowner
  from pg_class c join pg_namespace n on n.oid = c.relnamespace,
       aclexplode(coalesce(c.relacl, acldefault(case when c.relkind = 'S' then 's' else 'r' end::"char", c.relowner))) a
  where n.nspname = any($1) and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
  union all
  select 'column', format('%s.%s', n.nspname, c.relname), at.attname::text, a.privilege_type, a.grantee, c.relowner
  from pg_attribute at join pg_class c on c.oid = at.attrelid join pg_namespace n on n.oid = c.relnamespace,
       aclexplode(at.attacl) a
  where n.nspname = any($1) and at.attnum > 0 and not at.attisdropped and at.attacl is not null
  union all
  select 'function', format('%s.%s(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)), null,
         a.privilege_type, a.grantee, p.proowner
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace,
       aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
  where n.nspname = any($1)
)
select kind, object, col as column, privilege_type as privilege,
       case when grantee = 0 then 'PUBLIC' else pg_get_userbyid(grantee) end as grantee
from acl
where grantee <> owner
order by kind, object, col nulls first, grantee, privilege_type
