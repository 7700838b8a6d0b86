-- Locks account $1 for $2 milliseconds from now.
update gateway.sign_in_failures
set locked_until = now() + $2::double precision * interval '1 millisecond'
where account = $1
