-- The live key with prefix $1 and its principal; last_used_at is touched at most once a minute.
with found as (
  select k.key_id, k.key_hash, k.scopes, p.principal_id, p.name, p.role, p.cidrs::text[] as cidrs
  from gateway.api_keys k join gateway.principals p on p.principal_id = k.principal_id
  where k.prefix = $1 and k.revoked_at is null and p.disabled_at is null
), touched as (
  update gateway.api_keys k set last_used_at = now()
  from found f where k.key_id = f.key_id and (k.last_used_at is null or k.last_used_at < now() - interval '1 minute')
)
select * from found
