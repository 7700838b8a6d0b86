-- Removes upload $1 and returns its parts, for whoever finishes or cancels it; with $2 true only
-- if all its bytes are in, so that it is taken in once.
delete from images.resumable_uploads
where upload_id = $1 and (not $2::boolean or upload_offset = upload_length)
returning upload_id, owner_id, metadata, parts
