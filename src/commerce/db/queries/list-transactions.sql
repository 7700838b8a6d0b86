-- A page of transactions, read from an index in the order asked for, never by sorting them all,
-- with the list's total, in one round trip.
-- $1 status or null, $2 membership_id or null, $3 from (inclusive) or null, $4 to (exclusive) or
-- null, $5 sort, $6 asc|desc, $7 limit, $8 offset (0 with a cursor),
-- $9 the cursor's transaction_id or null (keyset: the rows after it in this order), with its sort
-- value in $10 (total_items_cost, total_items_weight) or $11 (transaction_status, membership_id),
-- $12 whether to total the list, $13 up to how many rows a total is counted exactly.
-- Each order has its own branch whose ORDER BY is an index's (0007: the column, then the id); the
-- sort and direction are one-time filters, so only the branch asked for runs. `filtered` is
-- inlined into each branch, and a null filter or cursor folds away when the query is planned.
with filtered as not materialized (
  select t.transaction_id, t.total_items_cost, t.total_items_weight, t.transaction_status, t.membership_id
  from commerce.transactions t
  where ($1::text is null or t.transaction_status = $1)
    and ($2::text is null or t.membership_id = $2)
    and ($3::timestamptz is null or t.created_at >= $3)
    and ($4::timestamptz is null or t.created_at < $4)
),
page as (
  (select transaction_id from filtered
   where $5::text = 'transaction_id' and $6::text = 'asc' and ($9::bigint is null or transaction_id > $9)
   order by transaction_id limit $7 offset $8)
  union all
  (select transaction_id from filtered
   where $5 = 'transaction_id' and $6 = 'desc' and ($9 is null or transaction_id < $9)
   order by transaction_id desc limit $7 offset $8)
  union all
  (select transaction_id from filtered
   where $5 = 'total_items_cost' and $6 = 'asc'
     and ($9 is null or (total_items_cost, transaction_id) > ($10::numeric, $9))
   order by total_items_cost, transaction_id limit $7 offset $8)
  union all
  (select transaction_id from filtered
   where $5 = 'total_items_cost' and $6 = 'desc'
     and ($9 is null or (total_items_cost, transaction_id) < ($10, $9))
   order by total_items_cost desc, transaction_id desc limit $7 offset $8)
  union all
  (select transaction_id from filtered
   where $5 = 'total_items_weight' and $6 = 'asc'
     and ($9 is null or (total_items_weight, transaction_id) > ($10, $9))
   order by total_items_weight, transaction_id limit $7 offset $8)
  union all
  (select transaction_id from filtered
   where $5 = 'total_items_weight' and $6 = 'desc'
     and ($9 is null or (total_items_weight, transaction_id) < ($10, $9))
   order by total_items_weight desc, transaction_id desc limit $7 offset $8)
  union all
  (select transaction_id from filtered
   where $5 = 'transaction_status' and $6 = 'asc'
     and ($9 is null or (transaction_status, transaction_id) > ($11::text, $9))
   order by transaction_status, transaction_id limit $7 offset $8)
  union all
  (select transaction_id from filtered
   where $5 = 'transaction_status' and $6 = 'desc'
     and ($9 is null or (transaction_status, transaction_id) < ($11, $9))
   order by transaction_status desc, transaction_id desc limit $7 offset $8)
  union all
  (select transaction_id from filtered
   where $5 = 'membership_id' and $6 = 'asc'
     and ($9 is null or (membership_id, transaction_id) > ($11, $9))
   order by membership_id, transaction_id limit $7 offset $8)
  union all
  (select transaction_id from filtered
   where $5 = 'membership_id' and $6 = 'desc'
     and ($9 is null or (membership_id, transaction_id) < ($11, $9))
   order by membership_id desc, transaction_id desc limit $7 offset $8)
),
-- The planner's estimate of the matching rows (no row read); counted too when it says they are
-- few, but never past $13 + 1, so a count costs at most that many index entries.
total as materialized (
  select e.estimate,
         case when e.estimate <= 2 * $13::integer
              then (select count(*) from (select 1 from filtered limit $13 + 1) c) end as counted
  from (select case when $12::boolean then commerce.estimate_transactions($1, $2, $3, $4) end as estimate) e
),
found as (
  select t.transaction_id, t.membership_id, m.first_name || ' ' || m.last_name as member_name,
         t.manufacturer_id, f.manufacturer_name, t.total_items_cost, t.total_items_weight,
         t.transaction_status, t.created_at, t.completed_at, t.updated_at
  from page p
  join commerce.transactions t on t.transaction_id = p.transaction_id
  join commerce.memberships_public m on m.membership_id = t.membership_id
  join commerce.manufacturers f on f.manufacturer_id = t.manufacturer_id
)
-- The page's rows (at most $7) in the same order, each with the total; one row of nulls but the
-- total when the page is empty.
select r.*, total.estimate as total_estimate, total.counted as total_counted
from total
left join found r on true
order by
  case when $6 = 'asc' then case $5 when 'total_items_cost' then r.total_items_cost
                                    when 'total_items_weight' then r.total_items_weight end end asc,
  case when $6 = 'desc' then case $5 when 'total_items_cost' then r.total_items_cost
                                     when 'total_items_weight' then r.total_items_weight end end desc,
  case when $6 = 'asc' then case $5 when 'transaction_status' then r.transaction_status
                                    when 'membership_id' then r.membership_id end end asc,
  case when $6 = 'desc' then case $5 when 'transaction_status' then r.transaction_status
                                     when 'membership_id' then r.membership_id end end desc,
  case when $6 = 'asc' then r.transaction_id end asc,
  case when $6 = 'desc' then r.transaction_id end desc
