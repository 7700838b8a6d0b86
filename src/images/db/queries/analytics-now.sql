-- Figures about now, whatever the date range: images and bytes stored, stored within the last day
-- and week, and due to expire within a day. $1 source, $2 format, $3 owner (null: any).
with stored as (
  select bytes, created_at, expires_at
  from images.images
  where expired_at is null and deleted_at is null and expires_at > now()
    and ($1::text is null or source = $1::text)
    and ($2::text is null or format = $2::text)
    and ($3::text is null or owner_id = $3::text)
), recent as (
  select created_at
  from images.images
  where created_at > now() - interval '7 days'
    and ($1::text is null or source = $1::text)
    and ($2::text is null or format = $2::text)
    and ($3::text is null or owner_id = $3::text)
)
select (select count(*) from stored)::bigint as stored_images,
       (select coalesce(sum(bytes), 0) from stored)::bigint as stored_bytes,
       (select count(*) from stored where expires_at <= now() + interval '24 hours')::bigint as expiring,
       (select count(*) from recent where created_at > now() - interval '1 day')::bigint as last_day,
       (select count(*) from recent)::bigint as last_week
