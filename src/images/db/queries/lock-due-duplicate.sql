-- The owner's image with these bytes whose time is up but which the sweeper has not reached yet
-- ($1 owner, $2 sha256), locked as lock-image.sql locks one: the intake that stores the same bytes
-- again expires it (expire-image.sql) in its own transaction, so the new image may take its place
-- under images_owner_sha256_live_key.
select image_id from images.images
where owner_id = $1 and sha256 = $2 and expired_at is null and deleted_at is null
  and expires_at <= now()
for no key update
