-- Records part $4 of $3 bytes written at offset $2 of upload $1, only if the upload is still at
-- that offset (another PATCH, on any instance, may have got there first) and the part fits its
-- length; no row returned means the part does not count.
update images.resumable_uploads
set upload_offset = upload_offset + $3, parts = array_append(parts, $4::text)
where upload_id = $1
  and upload_offset = $2
  and (upload_length is null or upload_offset + $3 <= upload_length)
returning upload_offset
