-- The one audit entry of a demo bulk load, whose rows skip the per-row audit triggers.
select commerce.write_audit('bulk.load', null, null, null, jsonb_build_object(
  'source', 'tessera db seed-demo',
  'transactions', $1::integer,
  'batch_size', $2::integer,
  'first_transaction_id', $3::bigint,
  'members_added', $4::integer,
  'items_added', $5::integer,
  'manufacturers_added', $6::integer,
  'triggers', 'skipped (session_replication_role = replica); rows written as the triggers would'
))
