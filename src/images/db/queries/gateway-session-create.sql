with swept as (delete from gateway.sessions where expires_at <= now())
insert into gateway.sessions (token_hash, principal_id, expires_at) values ($1, $2, now() + $3::interval)
