select principal_id, name, role, password_hash, cidrs::text[] as cidrs, disabled_at
from gateway.principals where lower(name) = lower($1)
