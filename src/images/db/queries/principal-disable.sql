-- Disables principal $1 (by name): no sign-in, no key, and their sessions end.
with disabled as (
  update gateway.principals set disabled_at = coalesce(disabled_at, now())
  where lower(name) = lower($1) returning principal_id
), ended as (
  delete from gateway.sessions s using disabled d where s.principal_id = d.principal_id
)
select principal_id from disabled
