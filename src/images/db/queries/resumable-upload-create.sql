-- A new resumable upload: $1 upload id, $2 owner, $3 declared length (null when deferred), $4 metadata.
insert into images.resumable_uploads (upload_id, owner_id, upload_length, metadata)
values ($1, $2, $3, $4)
