-- The owner's image with these bytes whose time is up but which the sweeper has not reached
-- ($1 owner, $2 sha256): expired here as the sweeper would expire it, in the transaction that
-- stores the same bytes again, so the new image may take its place under
-- images_owner_sha256_live_key. Its objects' rows go with it; their keys are returned so the
-- intake can delete the bytes (and if it cannot, they are orphans the sweeper removes).
with marked as (
  update images.images
  set expired_at = now(), original_name = null, gps_latitude = null, gps_longitude = null
  where owner_id = $1 and sha256 = $2 and expired_at is null and deleted_at is null
    and expires_at <= now()
  returning image_id
)
delete from images.objects o using marked m where o.image_id = m.image_id
returning o.object_key
