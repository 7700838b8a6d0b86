-- $1 search text, $2 sort, $3 asc|desc, $4 limit, $5 offset, $6 status: active | retired | all.
select item_id, item_name, item_cost, item_weight, deleted_at, created_at, updated_at, count(*) over () as total
from commerce.items
where ($1::text is null or strpos(lower(item_name), lower($1)) > 0)
  and ($6 = 'all' or ($6 = 'active') = (deleted_at is null))
order by
  case when $3 = 'asc' then case $2 when 'item_name' then item_name end end asc,
  case when $3 = 'desc' then case $2 when 'item_name' then item_name end end desc,
  case when $3 = 'asc' then case $2 when 'item_cost' then item_cost when 'item_weight' then item_weight end end asc,
  case when $3 = 'desc' then case $2 when 'item_cost' then item_cost when 'item_weight' then item_weight end end desc,
  case when $3 = 'asc' then case $2 when 'updated_at' then updated_at end end asc,
  case when $3 = 'desc' then case $2 when 'updated_at' then updated_at end end desc,
  case when $3 = 'asc' then item_id end asc,
  case when $3 = 'desc' then item_id end desc
limit $4 offset $5
