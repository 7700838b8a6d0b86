-- One batch of $1 demo transactions with 1 to 5 lines each. It runs under
-- session_replication_role = replica, which skips every trigger, the foreign-key checks included,
-- so it writes exactly what the triggers would have: each line's unit cost and weight copied from
-- its item, each transaction's totals the sums over its lines, completed_at set exactly when
-- completed, only existing members, makers and items, never a retired item, every transaction with
-- at least one line and no item twice in one transaction; the completed ones are added to the kept
-- member and item sums, as the triggers of migration 0007 would.
-- Members and items are ranked in a scrambled but stable order (by a hash), the same in every
-- batch and run, so the favourites stay the favourites and are not simply the first by name.
with
members as materialized (
  select row_number() over (order by md5(membership_id)) - 1 as n, membership_id from commerce.memberships
),
makers as materialized (
  select row_number() over (order by manufacturer_id) - 1 as n, manufacturer_id from commerce.manufacturers
),
items as materialized (
  select row_number() over (order by md5(item_id::text)) - 1 as n, item_id, item_cost, item_weight
  from commerce.items where deleted_at is null
),
sizes as materialized (
  select (select count(*) from members) as members, (select count(*) from makers) as makers,
         (select count(*) from items) as items
),
rolls as materialized (
  select random() as status_roll, random() as age_roll, s.*
  from generate_series(1, $1::integer) g cross join sizes s
),
-- The best customers buy several times as often as most (a power of a uniform draw picks low
-- ranks more often), and a few items sell far more than the rest. Lines
-- are items first, first + stride, first + 2 stride, … (mod the item count): with at most 5 lines
-- and stride <= (items - 1) / 4 they are all different.
drafts as materialized (
  select nextval(pg_get_serial_sequence('commerce.transactions', 'transaction_id')) as transaction_id,
         floor(power(random(), 1.3) * r.members)::bigint as member_n,
         floor(random() * r.makers)::bigint as maker_n,
         least(r.items, 1 + floor(power(random(), 1.6) * 5))::integer as line_count,
         floor(power(random(), 1.7) * r.items)::bigint as first_item,
         1 + floor(random() * greatest(1, (r.items - 1) / 4))::bigint as stride,
         r.items as item_count,
         s.status,
         -- open transactions are recent; finished ones spread over the last two years
         now() - case when s.status in ('pending', 'paid', 'shipped') then r.age_roll * interval '14 days'
                      else r.age_roll * interval '730 days' end as created_at
  from rolls r
  cross join lateral (
    select case when r.status_roll < 0.88 then 'completed'
                when r.status_roll < 0.93 then 'cancelled'
                when r.status_roll < 0.96 then 'shipped'
                when r.status_roll < 0.98 then 'paid'
                else 'pending' end as status
  ) s
),
timed as materialized (
  select d.*, c.completed_at, coalesce(c.completed_at, d.created_at) as updated_at
  from drafts d
  cross join lateral (
    select case when d.status = 'completed'
                then least(now(), d.created_at + interval '6 hours' + random() * interval '9 days') end as completed_at
  ) c
),
lines as materialized (
  select t.transaction_id, i.item_id, 1 + floor(power(random(), 3) * 8)::integer as quantity,
         i.item_cost as unit_cost, i.item_weight as unit_weight, t.created_at, t.updated_at
  from timed t
  cross join lateral generate_series(0, t.line_count - 1) j
  join items i on i.n = (t.first_item + j * t.stride) % t.item_count
),
totals as materialized (
  select transaction_id, sum(unit_cost * quantity) as cost, sum(unit_weight * quantity) as weight
  from lines group by transaction_id
),
inserted_lines as (
  insert into commerce.transacted_items
    (transaction_id, item_id, quantity, unit_cost, unit_weight, created_at, updated_at)
  select transaction_id, item_id, quantity, unit_cost, unit_weight, created_at, updated_at from lines
  returning 1
),
inserted_transactions as (
  insert into commerce.transactions
    (transaction_id, membership_id, manufacturer_id, total_items_cost, total_items_weight,
     transaction_status, completed_at, created_at, updated_at)
  overriding system value
  select t.transaction_id, m.membership_id, k.manufacturer_id, l.cost, l.weight,
         t.status, t.completed_at, t.created_at, t.updated_at
  from timed t
  join totals l on l.transaction_id = t.transaction_id
  join members m on m.n = t.member_n
  join makers k on k.n = t.maker_n
  returning transaction_id
),
kept_members as (
  insert into commerce.member_spending as s (membership_id, completed_transactions, total_spent)
  select m.membership_id, count(*), sum(l.cost)
  from timed t
  join totals l on l.transaction_id = t.transaction_id
  join members m on m.n = t.member_n
  where t.status = 'completed'
  group by m.membership_id
  on conflict (membership_id) do update
    set completed_transactions = s.completed_transactions + excluded.completed_transactions,
        total_spent = s.total_spent + excluded.total_spent
),
kept_items as (
  insert into commerce.item_sales as s (item_id, units_bought, times_bought)
  select l.item_id, sum(l.quantity), count(*)
  from lines l
  join timed t on t.transaction_id = l.transaction_id
  where t.status = 'completed'
  group by l.item_id
  on conflict (item_id) do update
    set units_bought = s.units_bought + excluded.units_bought,
        times_bought = s.times_bought + excluded.times_bought
)
select (select count(*) from inserted_transactions)::integer as transactions,
       (select count(*) from inserted_lines)::integer as lines,
       (select min(transaction_id) from inserted_transactions) as first_transaction_id
