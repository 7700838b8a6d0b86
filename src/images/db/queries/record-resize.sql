-- Records a size made on request ($1 image id, $2 the object as JSON) only while its image lives,
-- and answers whether it lives. The image's row is locked (for share) until this commits, and
-- ending an image locks that row before it deletes the image's objects (lock-image.sql): so either
-- the end comes after and deletes this row too, or it came first and nothing is recorded here. The
-- same size recorded first by another request is left as it is (the same key, the same bytes).
with live as (
  select image_id from images.images
  where image_id = $1 and expired_at is null and deleted_at is null and expires_at > now()
  for share
),
recorded as (
  insert into images.objects (image_id, name, object_key, format, width, height, bytes)
  select live.image_id, o.name, o.object_key, o.format, o.width, o.height, o.bytes
  from live, jsonb_populate_record(null::images.objects, $2::jsonb) o
  on conflict do nothing
)
select exists (select from live) as live
