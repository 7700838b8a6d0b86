-- The image's bytes are gone: mark it, and drop its personal data ($1 image id, $2 'expired' | 'deleted').
-- Returns the keys of the objects whose rows it deleted, so the caller deletes their bytes. Run it
-- after lock-image.sql in one transaction.
with marked as (
  update images.images
  set expired_at = case when $2 = 'expired' then now() else expired_at end,
      deleted_at = case when $2 = 'deleted' then now() else deleted_at end,
      original_name = null, gps_latitude = null, gps_longitude = null
  where image_id = $1 and expired_at is null and deleted_at is null
  returning image_id
)
delete from images.objects o using marked m where o.image_id = m.image_id
returning o.object_key
