-- A new claim: $1 upload id, $2 owner, $3 original name, $4 declared type, $5 expires at, $6 complete by.
insert into images.direct_uploads (upload_id, owner_id, original_name, declared_type, expires_at, complete_by)
values ($1, $2, $3, $4, $5, $6)
