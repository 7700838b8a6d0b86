-- The person the current role is: their team and whether they may read contact details.
select current_user::text as login,
       case when pg_has_role('commerce_admin', 'MEMBER') then 'admin'
            when pg_has_role('commerce_logistics', 'MEMBER') then 'logistics'
            when pg_has_role('commerce_analytics', 'MEMBER') then 'analytics'
            when pg_has_role('commerce_sales', 'MEMBER') then 'sales' end as team,
       pg_has_role('commerce_pii', 'USAGE') as pii
