delete from gateway.sessions where token_hash = $1
