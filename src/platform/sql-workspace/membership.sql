-- The roles the current user is a direct member of, and whether it holds any power of its own.
select array(select g.rolname::text
             from pg_auth_members m join pg_roles g on g.oid = m.roleid join pg_roles u on u.oid = m.member
             where u.rolname = current_user order by 1) as roles,
       (select rolsuper or rolcreaterole or rolcreatedb or rolbypassrls or rolreplication
        from pg_roles where rolname = current_user) as powers
