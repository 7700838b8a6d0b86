-- The names of result column types ($1: their oids), as a query tool shows them.
select oid::int as oid, format_type(oid, null) as name
from pg_type
where oid = any($1::oid[])
