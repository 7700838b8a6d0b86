-- The principal of a live session ($1 token hash), idle for less than $2.
with live as (
  update gateway.sessions set last_seen_at = now()
  where token_hash = $1 and expires_at > now() and last_seen_at > now() - $2::interval
  returning principal_id
)
select p.principal_id, p.name, p.role, p.cidrs::text[] as cidrs
from live join gateway.principals p using (principal_id)
where p.disabled_at is null
