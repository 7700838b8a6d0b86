-- The live session with this token hash ($1); idle for longer than $2 counts as ended. last_seen_at
-- moves only once it is older than $3, so most requests read their session without writing it,
-- and their commit has nothing to flush to the WAL.
with live as (
  select token_hash, login, team, csrf_token, expires_at, last_seen_at
  from portal.sessions
  where token_hash = $1 and expires_at > now() and last_seen_at > now() - $2::interval
), touched as (
  update portal.sessions s set last_seen_at = now()
  from live
  where s.token_hash = live.token_hash and live.last_seen_at <= now() - $3::interval
)
select login, team, csrf_token, expires_at from live
