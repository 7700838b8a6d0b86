-- The explorer: stored images newest first, filtered on any metadata field (null: no filter).
-- $1 first day, $2 last day, $3 source, $4 format, $5 owner, $6 camera make, $7 camera model,
-- $8 colour space, $9 has alpha, then a min and a max of: $10–$11 width, $12–$13 height, $14–$15
-- bytes, $16–$17 megapixels, $18–$19 day taken; a page of $22 after the cursor ($20 created_at,
-- $21 image_id).
select i.image_id, i.owner_id, i.source, i.format, i.bytes, i.width, i.height,
       round(i.width::numeric * i.height / 1e6, 2) as megapixels, i.has_alpha, i.colour_space,
       i.camera_make, i.camera_model, i.taken_at, i.created_at, i.expires_at, i.dominant_colour,
       i.perceptual_hash,
       exists (select from images.objects o
               where o.image_id = i.image_id and o.name = 'thumbnail') as has_thumbnail
from images.images i
where i.expired_at is null and i.deleted_at is null and i.expires_at > now()
  and ($1::date is null or i.created_at >= $1::date::timestamp at time zone 'UTC')
  and ($2::date is null or i.created_at < ($2::date + 1)::timestamp at time zone 'UTC')
  and ($3::text is null or i.source = $3::text)
  and ($4::text is null or i.format = $4::text)
  and ($5::text is null or i.owner_id = $5::text)
  and ($6::text is null or lower(i.camera_make) = lower($6::text))
  and ($7::text is null or lower(i.camera_model) = lower($7::text))
  and ($8::text is null or i.colour_space = $8::text)
  and ($9::boolean is null or i.has_alpha = $9::boolean)
  and ($10::integer is null or i.width >= $10::integer)
  and ($11::integer is null or i.width <= $11::integer)
  and ($12::integer is null or i.height >= $12::integer)
  and ($13::integer is null or i.height <= $13::integer)
  and ($14::bigint is null or i.bytes >= $14::bigint)
  and ($15::bigint is null or i.bytes <= $15::bigint)
  and ($16::numeric is null or i.width::numeric * i.height / 1e6 >= $16::numeric)
  and ($17::numeric is null or i.width::numeric * i.height / 1e6 <= $17::numeric)
  and ($18::date is null or i.taken_at >= $18::date::timestamp at time zone 'UTC')
  and ($19::date is null or i.taken_at < ($19::date + 1)::timestamp at time zone 'UTC')
  and ($20::timestamptz is null or (i.created_at, i.image_id) < ($20::timestamptz, $21::uuid))
order by i.created_at desc, i.image_id desc
limit $22
