-- Revokes the key with public prefix $1; returns it if it was live.
update gateway.api_keys set revoked_at = now() where prefix = $1 and revoked_at is null returning key_id
