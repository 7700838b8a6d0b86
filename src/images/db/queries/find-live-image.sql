-- The owner's live image with these bytes, if any ($1 owner, $2 sha256). One whose time is up is
-- not live, even before the sweeper marks it: the same bytes again make a new image.
select image_id from images.images
where owner_id = $1 and sha256 = $2 and expired_at is null and deleted_at is null and expires_at > now()
