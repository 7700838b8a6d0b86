-- One statement run in a workspace: who ($1, team $2), how ($3), what ($4), when it started ($5),
-- how long it took ($6 ms), how many rows ($7) or which error ($8 SQLSTATE, $9 message).
insert into portal.query_log (login, team, kind, statement, started_at, ms, row_count, sqlstate, error)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
