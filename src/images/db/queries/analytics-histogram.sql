-- One histogram ($6: size or pixels) within the filters ($1–$5), every bucket in order, empty ones 0.
select b.label as bucket, coalesce(sum(f.images), 0)::bigint as images
from images.histogram_buckets b
left join images.facts($6::text, $1::date, $2::date, $3::text, $4::text, $5::text) f
  on f.value = b.position::text
where b.dimension = $6::text
group by b.position, b.label
order by b.position
