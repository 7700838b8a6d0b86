select manufacturer_id, manufacturer_name, created_at, count(*) over () as total
from commerce.manufacturers
where $1::text is null or strpos(lower(manufacturer_name), lower($1)) > 0
order by
  case when $3 = 'asc' then case $2 when 'manufacturer_name' then manufacturer_name end end asc,
  case when $3 = 'desc' then case $2 when 'manufacturer_name' then manufacturer_name end end desc,
  case when $3 = 'asc' then manufacturer_id end asc,
  case when $3 = 'desc' then manufacturer_id end desc
limit $4 offset $5
