-- The 20 cameras with the most images within the filters ($1–$5).
select value as camera, sum(images)::bigint as images
from images.facts('camera', $1::date, $2::date, $3::text, $4::text, $5::text)
group by value
order by images desc, camera
limit 20
