-- Images and bytes by format within the filters ($1–$5 as in analytics-by-format-source).
select format, sum(images)::bigint as images, sum(bytes)::bigint as bytes
from images.facts('total', $1::date, $2::date, $3::text, $4::text, $5::text)
group by format
order by images desc, format
