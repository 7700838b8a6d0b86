-- One saved query ($1) if the person ($2) may see it: their own or a shared one.
select id, owner, team, name, statement, description, shared, created_at, updated_at
from portal.saved_queries
where id = $1 and (owner = $2 or shared)
