-- Role attributes the policy forbids: team roles that can log in, people (members of a team) with
-- powers beyond their team's or in more than one team, and an authenticator that inherits rights.
-- $1: group roles, $2: team roles, $3: the portal's authenticator.
select format('team role %s can log in', r.rolname) as problem
from pg_roles r where r.rolname = any($1) and r.rolcanlogin
union all
select format('%s %s is a superuser, can create roles or databases, or bypasses row security',
              case when r.rolname = any($1) then 'team role' else 'person' end, r.rolname)
from pg_roles r
where (r.rolname = any($1) or r.oid in (select m.member from pg_auth_members m join pg_roles t on t.oid = m.roleid
                                          where t.rolname = any($2)))
  and (r.rolsuper or r.rolcreaterole or r.rolcreatedb or r.rolbypassrls or r.rolreplication)
union all
select format('person %s is in more than one team (%s)', r.rolname, string_agg(t.rolname, ', ' order by t.rolname))
from pg_roles r join pg_auth_members m on m.member = r.oid join pg_roles t on t.oid = m.roleid
where t.rolname = any($2)
group by r.rolname having count(*) > 1
union all
select format('the authenticator %s inherits the rights of the roles it may switch to', r.rolname)
from pg_roles r where r.rolname = $3 and r.rolinherit
union all
select format('the authenticator %s is a superuser, can create roles or databases, or bypasses row security', r.rolname)
from pg_roles r where r.rolname = $3
  and (r.rolsuper or r.rolcreaterole or r.rolcreatedb or r.rolbypassrls or r.rolreplication)
union all
select format('the authenticator %s is a member of %s, which is not a person', r.rolname, g.rolname)
from pg_roles r join pg_auth_members m on m.member = r.oid join pg_roles g on g.oid = m.roleid
where r.rolname = $3
  and not exists (select 1 from pg_auth_members tm join pg_roles t on t.oid = tm.roleid
                  where tm.member = g.oid and t.rolname = any($2))
order by 1
