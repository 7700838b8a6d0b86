-- Images stored per day and source within the filters ($1–$5 as in analytics-by-format-source).
select to_char(day, 'YYYY-MM-DD') as day, source, sum(images)::bigint as images, sum(bytes)::bigint as bytes
from images.facts('total', $1::date, $2::date, $3::text, $4::text, $5::text)
group by day, source
order by day, source
