-- Marks a claim done once ($1 upload id, $2 image id or null, $3 refusal reason or null); no row
-- returned means another request completed it first.
update images.direct_uploads
set completed_at = now(), image_id = $2, refusal = $3
where upload_id = $1 and completed_at is null
returning upload_id
