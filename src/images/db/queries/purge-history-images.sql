-- Image rows older than the analytics retention whose bytes are already gone, oldest first; their
-- objects rows go with them (on delete cascade). $1 retention (ms), $2 batch size.
with doomed as (
  select image_id from images.images
  where created_at < now() - $1::bigint * interval '1 millisecond'
    and (expired_at is not null or deleted_at is not null)
  order by created_at
  limit $2
)
delete from images.images i using doomed d where i.image_id = d.image_id
