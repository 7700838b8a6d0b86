-- Views run with the reader's rights (security_invoker), so they never show more than the
-- reader's own grants allow.

-- The members without contact details: `select *` works here for every team that reads members.
create or replace view commerce.memberships_public with (security_invoker = true) as
  select membership_id, first_name, last_name, date_of_birth, created_at, updated_at
  from commerce.memberships;
comment on view commerce.memberships_public is 'Members without email and mobile_no; use it for select * and exports.';
revoke all on commerce.memberships_public from public;
grant select on commerce.memberships_public to commerce_logistics, commerce_analytics;

-- The seed's first analyst question: the ten members who spent most on completed transactions.
create or replace view commerce.top_members_by_spending with (security_invoker = true) as
  select m.membership_id, m.first_name, m.last_name, s.completed_transactions, s.total_spent
  from (
    select t.membership_id, count(*) as completed_transactions, sum(t.total_items_cost) as total_spent
    from commerce.transactions t
    where t.transaction_status = 'completed'
    group by t.membership_id
    order by total_spent desc, t.membership_id
    limit 10
  ) s
  join commerce.memberships m on m.membership_id = s.membership_id
  order by s.total_spent desc, s.membership_id;
comment on view commerce.top_members_by_spending is 'Top 10 members by total spent on completed transactions.';
revoke all on commerce.top_members_by_spending from public;
grant select on commerce.top_members_by_spending to commerce_logistics, commerce_analytics;

-- The seed's second analyst question: the three items bought in the largest quantities.
create or replace view commerce.top_items_by_quantity with (security_invoker = true) as
  select i.item_id, i.item_name, s.units_bought, s.times_bought, i.deleted_at is not null as retired
  from (
    select ti.item_id, sum(ti.quantity) as units_bought, count(*) as times_bought
    from commerce.transacted_items ti
    join commerce.transactions t on t.transaction_id = ti.transaction_id
    where t.transaction_status = 'completed'
    group by ti.item_id
    order by units_bought desc, ti.item_id
    limit 3
  ) s
  join commerce.items i on i.item_id = s.item_id
  order by s.units_bought desc, s.item_id;
comment on view commerce.top_items_by_quantity is 'Top 3 items by units bought in completed transactions (retired items included).';
revoke all on commerce.top_items_by_quantity from public;
grant select on commerce.top_items_by_quantity to commerce_logistics, commerce_analytics;
