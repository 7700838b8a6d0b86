-- A new saved query of its owner ($1, team $2).
insert into portal.saved_queries (owner, team, name, statement, description, shared)
values ($1, $2, $3, $4, $5, $6)
returning id, owner, team, name, statement, description, shared, created_at, updated_at
