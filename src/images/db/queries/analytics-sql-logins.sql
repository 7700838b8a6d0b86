-- The analytics logins of this server, with their connection limit and open sessions.
select r.rolname::text as login, r.rolconnlimit as connection_limit,
       (select count(*) from pg_stat_activity a where a.usename = r.rolname) as sessions
from pg_roles r
where images.is_analytics_login(r.rolname)
order by r.rolname
