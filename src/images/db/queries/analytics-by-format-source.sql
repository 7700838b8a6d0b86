-- Images and bytes by format and source within the dashboard's filters: $1 first day, $2 last day
-- (inclusive, UTC), $3 source, $4 format, $5 owner (null: any).
select format, source, sum(images)::bigint as images, sum(bytes)::bigint as bytes
from images.facts('total', $1::date, $2::date, $3::text, $4::text, $5::text)
group by format, source
order by format, source
