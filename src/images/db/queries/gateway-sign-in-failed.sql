-- One more failed sign-in for account $1; returns how many in a row. A count left quiet for a day
-- starts again, and other such counts are purged on the way (unknown names would pile up).
with purged as (
  delete from gateway.sign_in_failures
  where last_failure_at < now() - interval '1 day' and account <> $1
    and (locked_until is null or locked_until < now())
)
insert into gateway.sign_in_failures as f (account, failures, last_failure_at)
values ($1, 1, now())
on conflict (account) do update
  set failures = case when f.last_failure_at < now() - interval '1 day' then 1 else f.failures + 1 end,
      last_failure_at = now()
returning failures
