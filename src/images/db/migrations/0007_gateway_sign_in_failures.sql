-- Failed sign-ins at the gateway, per account, so that several gateways share the count and the
-- lock. Keyed by the name as typed (lower-cased), not by principal: an unknown account is counted
-- and locked exactly as a real one, so the answers never tell whether an account exists.
create table gateway.sign_in_failures (
  account         text        primary key check (length(account) <= 1000),
  failures        integer     not null check (failures > 0),
  last_failure_at timestamptz not null default now(),
  locked_until    timestamptz
);
-- Counts left quiet for a day are purged (gateway-sign-in-failed.sql).
create index sign_in_failures_last_failure_idx on gateway.sign_in_failures (last_failure_at);
comment on table gateway.sign_in_failures is 'Failed gateway sign-ins in a row per account name (known or not), and its lock.';
