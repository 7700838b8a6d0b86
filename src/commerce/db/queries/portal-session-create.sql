-- $1 token hash, $2 login, $3 team, $4 CSRF token, $5 lifetime, $6 client address.
-- Expired sessions of anyone are swept on the way.
with swept as (delete from portal.sessions where expires_at <= now())
insert into portal.sessions (token_hash, login, team, csrf_token, expires_at, address)
values ($1, $2, $3, $4, now() + $5::interval, $6)
