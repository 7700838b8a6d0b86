-- Tessera's roles and what the dump needs of them: the team and service roles (commerce_*,
-- tessera_*) and every role that is a member of one, transitively (person logins, BI logins),
-- with their password verifiers (pg_authid: superusers only), memberships and settings.
-- Superusers and the role taking the backup are the server's, not Tessera's.
with recursive ours(oid) as (
  select oid from pg_roles where rolname like 'commerce\_%' or rolname like 'tessera\_%'
  union
  select m.member from pg_auth_members m join ours o on m.roleid = o.oid
),
kept as (
  select a.oid, a.rolname, a.rolcanlogin, a.rolinherit, a.rolconnlimit, a.rolvaliduntil, a.rolpassword
  from pg_authid a
  join ours using (oid)
  where not a.rolsuper and a.rolname <> current_user
)
select
  (select coalesce(json_agg(json_build_object(
      'name', rolname, 'login', rolcanlogin, 'inherit', rolinherit,
      'connectionLimit', rolconnlimit, 'validUntil', rolvaliduntil, 'password', rolpassword)
      order by oid), '[]') from kept) as roles,
  (select coalesce(json_agg(json_build_object('role', r.rolname, 'member', m.rolname, 'admin', am.admin_option)), '[]')
     from pg_auth_members am
     join kept r on r.oid = am.roleid
     join kept m on m.oid = am.member) as memberships,
  (select coalesce(json_agg(json_build_object('role', k.rolname, 'everywhere', s.setdatabase = 0, 'settings', s.setconfig)), '[]')
     from pg_db_role_setting s
     join kept k on k.oid = s.setrole
     where s.setdatabase in (0, (select oid from pg_database where datname = current_database()))) as settings;
