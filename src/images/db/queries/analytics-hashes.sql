-- The perceptual hashes of the stored images within the filters: $1 first day, $2 last day, $3
-- source, $4 format, $5 owner (null: any).
select i.image_id, i.perceptual_hash
from images.images i
where i.expired_at is null and i.deleted_at is null and i.expires_at > now()
  and ($1::date is null or i.created_at >= $1::date::timestamp at time zone 'UTC')
  and ($2::date is null or i.created_at < ($2::date + 1)::timestamp at time zone 'UTC')
  and ($3::text is null or i.source = $3::text)
  and ($4::text is null or i.format = $4::text)
  and ($5::text is null or i.owner_id = $5::text)
