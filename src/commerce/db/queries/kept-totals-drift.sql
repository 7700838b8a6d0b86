-- Where the kept sums (member_spending, item_sales) disagree with the base tables: each member's
-- completed transactions and spend, each item's units and lines in completed transactions,
-- recomputed from scratch. A kept row of zeros stands for no row. Empty when all agree.
with kept_members as (
  select membership_id, completed_transactions, total_spent
  from commerce.member_spending
  where completed_transactions <> 0 or total_spent <> 0
),
members as (
  select t.membership_id, count(*) as completed_transactions, sum(t.total_items_cost) as total_spent
  from commerce.transactions t
  where t.transaction_status = 'completed'
  group by t.membership_id
),
kept_items as (
  select item_id, units_bought, times_bought
  from commerce.item_sales
  where units_bought <> 0 or times_bought <> 0
),
items as (
  select ti.item_id, sum(ti.quantity) as units_bought, count(*) as times_bought
  from commerce.transacted_items ti
  join commerce.transactions t on t.transaction_id = ti.transaction_id
  where t.transaction_status = 'completed'
  group by ti.item_id
)
select format('member %s: kept %s completed transactions, %s spent; the transactions say %s, %s',
              membership_id, coalesce(k.completed_transactions, 0), coalesce(k.total_spent, 0),
              coalesce(m.completed_transactions, 0), coalesce(m.total_spent, 0)) as description
from kept_members k
full join members m using (membership_id)
where k.completed_transactions is distinct from m.completed_transactions
   or k.total_spent is distinct from m.total_spent
union all
select format('item %s: kept %s units in %s purchases; the transactions say %s in %s',
              item_id, coalesce(k.units_bought, 0), coalesce(k.times_bought, 0),
              coalesce(i.units_bought, 0), coalesce(i.times_bought, 0))
from kept_items k
full join items i using (item_id)
where k.units_bought is distinct from i.units_bought
   or k.times_bought is distinct from i.times_bought
order by 1
