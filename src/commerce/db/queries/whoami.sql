-- The person the current role is: their team (by direct membership, so a superuser, who counts
-- as a member of every role, has none) and whether they may read contact details.
select r.rolname::text as login,
       (select substr(t.rolname, length('commerce_') + 1)
        from pg_auth_members m join pg_roles t on t.oid = m.roleid
        where m.member = r.oid
          and t.rolname in ('commerce_logistics', 'commerce_analytics', 'commerce_sales', 'commerce_admin')
        order by t.rolname limit 1) as team,
       pg_has_role(r.oid, 'commerce_pii', 'USAGE') as pii
from pg_roles r
where r.rolname = current_user
