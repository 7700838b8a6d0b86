-- One more failed sign-in for login $1; returns how many in a row.
insert into portal.sign_in_failures as f (login, failures, last_failure_at)
values ($1, 1, now())
on conflict (login) do update set failures = f.failures + 1, last_failure_at = now()
returning failures
