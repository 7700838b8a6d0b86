-- The privilege matrix of ARCHITECTURE.md. Column lists keep contact details hidden and keep
-- database-kept columns (keys, totals, unit prices, timestamps) out of anyone's hands.
-- Nobody is granted DELETE or TRUNCATE. `tessera db verify` compares the live grants with
-- src/commerce/policy.ts.
grant usage on schema commerce to commerce_logistics, commerce_analytics, commerce_sales, commerce_pii;

grant select (membership_id, first_name, last_name, date_of_birth, created_at, updated_at)
  on commerce.memberships to commerce_logistics, commerce_analytics;
grant select (membership_id, email, mobile_no) on commerce.memberships to commerce_pii;

grant select on commerce.manufacturers to commerce_logistics, commerce_analytics, commerce_sales;

grant select on commerce.items to commerce_logistics, commerce_analytics, commerce_sales;
grant insert (item_name, item_cost, item_weight),
      update (item_name, item_cost, item_weight, deleted_at)
  on commerce.items to commerce_logistics, commerce_sales;

grant select on commerce.transactions to commerce_logistics, commerce_analytics;
grant insert (membership_id, manufacturer_id, transaction_status),
      update (membership_id, manufacturer_id, transaction_status)
  on commerce.transactions to commerce_logistics;

grant select on commerce.transacted_items to commerce_logistics, commerce_analytics;
grant insert (transaction_id, item_id, quantity), update (quantity)
  on commerce.transacted_items to commerce_logistics;

-- Functions are executable by everyone until revoked; procedures grant EXECUTE one by one.
alter default privileges in schema commerce revoke execute on functions from public;

