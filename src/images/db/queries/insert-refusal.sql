insert into images.refusals (owner_id, source, reason, message, bytes, declared_type)
values ($1, $2, $3, $4, $5, $6)
