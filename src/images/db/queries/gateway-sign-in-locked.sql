-- Whether account $1 is locked now, and for how many more seconds.
select ceil(extract(epoch from locked_until - now()))::integer as seconds
from gateway.sign_in_failures
where account = $1 and locked_until > now()
