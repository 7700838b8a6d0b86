-- A person's ($1) last 100 statements, newest first.
select id, kind, statement, started_at, ms, row_count, sqlstate, error
from portal.query_log
where login = $1
order by id desc
limit 100
