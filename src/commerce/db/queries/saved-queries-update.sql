-- Changes a saved query ($1); only its owner ($2) may.
update portal.saved_queries
set name = $3, statement = $4, description = $5, shared = $6, updated_at = now()
where id = $1 and owner = $2
returning id, owner, team, name, statement, description, shared, created_at, updated_at
