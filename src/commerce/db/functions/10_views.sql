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
-- The sums are kept per member by triggers (migration 0007), so this reads ten rows from an index.
create or replace view commerce.top_members_by_spending with (security_invoker = true) as
  select m.membership_id, m.first_name, m.last_name, s.completed_transactions, s.total_spent
  from (
    select k.membership_id, k.completed_transactions, k.total_spent
    from commerce.member_spending k
    where k.completed_transactions > 0
    order by k.total_spent desc, k.membership_id
    limit 10
  ) s
  join commerce.memberships m on m.membership_id = s.membership_id
  order by s.total_spent desc, s.membership_id;
comment on view commerce.top_members_by_spending is 'Top 10 members by total spent on completed transactions.';
revoke all on commerce.top_members_by_spending from public;
grant select on commerce.top_members_by_spending to commerce_logistics, commerce_analytics;

-- The seed's second analyst question: the three items bought in the largest quantities, from the
-- per-item sums kept by triggers (migration 0007).
create or replace view commerce.top_items_by_quantity with (security_invoker = true) as
  select i.item_id, i.item_name, s.units_bought, s.times_bought, i.deleted_at is not null as retired
  from (
    select k.item_id, k.units_bought, k.times_bought
    from commerce.item_sales k
    where k.times_bought > 0
    order by k.units_bought desc, k.item_id
    limit 3
  ) s
  join commerce.items i on i.item_id = s.item_id
  order by s.units_bought desc, s.item_id;
comment on view commerce.top_items_by_quantity is 'Top 3 items by units bought in completed transactions (retired items included).';
revoke all on commerce.top_items_by_quantity from public;
grant select on commerce.top_items_by_quantity to commerce_logistics, commerce_analytics;
