-- $1 status or null, $2 membership_id or null, $3 from (inclusive) or null, $4 to (exclusive) or
-- null, $5 sort, $6 asc|desc, $7 limit, $8 offset.
select t.transaction_id, t.membership_id, m.first_name || ' ' || m.last_name as member_name,
       t.manufacturer_id, f.manufacturer_name, t.total_items_cost, t.total_items_weight,
       t.transaction_status, t.created_at, t.completed_at, t.updated_at, count(*) over () as total
from commerce.transactions t
join commerce.memberships_public m on m.membership_id = t.membership_id
join commerce.manufacturers f on f.manufacturer_id = t.manufacturer_id
where ($1::text is null or t.transaction_status = $1)
  and ($2::text is null or t.membership_id = $2)
  and ($3::timestamptz is null or t.created_at >= $3)
  and ($4::timestamptz is null or t.created_at < $4)
order by
  case when $6 = 'asc' then case $5 when 'total_items_cost' then t.total_items_cost
                                    when 'total_items_weight' then t.total_items_weight end end asc,
  case when $6 = 'desc' then case $5 when 'total_items_cost' then t.total_items_cost
                                     when 'total_items_weight' then t.total_items_weight end end desc,
  case when $6 = 'asc' then case $5 when 'transaction_status' then t.transaction_status
                                    when 'membership_id' then t.membership_id end end asc,
  case when $6 = 'desc' then case $5 when 'transaction_status' then t.transaction_status
                                     when 'membership_id' then t.membership_id end end desc,
  case when $6 = 'asc' then t.transaction_id end asc,
  case when $6 = 'desc' then t.transaction_id end desc
limit $7 offset $8
