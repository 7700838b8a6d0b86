-- Sets the length of upload $1 to $2 once, if it was deferred and is not below what arrived.
update images.resumable_uploads
set upload_length = $2
where upload_id = $1 and upload_length is null and upload_offset <= $2
returning upload_id
