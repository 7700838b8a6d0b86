-- The whole query log, newest first, a page at a time ($1 rows from $2), for administrators.
select id, login, team, kind, statement, started_at, ms, row_count, sqlstate, error,
       count(*) over () as total
from portal.query_log
order by id desc
limit $1 offset $2
