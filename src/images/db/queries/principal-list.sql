select p.principal_id, p.name, p.role, p.cidrs::text[] as cidrs, p.created_at, p.disabled_at,
       (select count(*) from gateway.api_keys k where k.principal_id = p.principal_id and k.revoked_at is null) as active_keys
from gateway.principals p
order by p.role, lower(p.name)
