-- The saved queries a person ($1) sees: their own, and every shared one (sharing shares the
-- text only: whoever runs it runs it with their own rights).
select id, owner, team, name, statement, description, shared, created_at, updated_at
from portal.saved_queries
where owner = $1 or shared
order by name, id
