insert into gateway.principals (principal_id, name, role, password_hash, cidrs)
values ($1, $2, $3, $4, $5::cidr[])
returning principal_id, name, role, cidrs::text[] as cidrs, created_at, disabled_at
