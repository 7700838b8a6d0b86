delete from portal.sessions where token_hash = $1
