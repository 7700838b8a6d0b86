-- One resumable upload ($1 upload id), as the protocol reports it.
select upload_id, owner_id, upload_length, upload_offset, metadata, created_at
from images.resumable_uploads
where upload_id = $1
