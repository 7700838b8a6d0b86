-- Locks a live image's row before expire-image.sql, in the same transaction ($1 image id). The
-- lock waits for a size on request being recorded (record-resize.sql), and expire-image.sql then
-- starts after it, so it sees that object's row and deletes it with the others.
select image_id from images.images
where image_id = $1 and expired_at is null and deleted_at is null
for no key update
