-- The columns a row can be written into: not dropped, not generated.
select string_agg(quote_ident(attname), ', ' order by attnum) as columns
from pg_attribute
where attrelid = $1::regclass and attnum > 0 and not attisdropped and attgenerated = '';
