-- The live session with this token hash ($1), touched; idle for longer than $2 counts as ended.
update portal.sessions
set last_seen_at = now()
where token_hash = $1 and expires_at > now() and last_seen_at > now() - $2::interval
returning login, team, csrf_token
