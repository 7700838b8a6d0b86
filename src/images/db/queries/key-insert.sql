insert into gateway.api_keys (key_id, principal_id, name, prefix, key_hash, scopes)
values ($1, $2, $3, $4, $5, $6::text[])
