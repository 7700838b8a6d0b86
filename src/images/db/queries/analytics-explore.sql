-- The explorer: stored images newest first, filtered on any metadata field (null: no filter).
-- $1 first day, $2 last day, $3 source, $4 format, $5 owner, $6 camera make, $7 camera model,
-- $8 colour space, $9 has alpha, then a min and a max of: $10–$11 width, $12–$13 height, $14–$15
-- bytes, $16–$17 megapixels, $18–$19 day taken; a page of $22 after the cursor ($20 created_at,
-- $21 image_id).
select s.*
from images.stored_images_within($1::date, $2::date, $3::text, $4::text, $5::text) s
where ($6::text is null or lower(s.camera_make) = lower($6::text))
  and ($7::text is null or lower(s.camera_model) = lower($7::text))
  and ($8::text is null or s.colour_space = $8::text)
  and ($9::boolean is null or s.has_alpha = $9::boolean)
  and ($10::integer is null or s.width >= $10::integer)
  and ($11::integer is null or s.width <= $11::integer)
  and ($12::integer is null or s.height >= $12::integer)
  and ($13::integer is null or s.height <= $13::integer)
  and ($14::bigint is null or s.bytes >= $14::bigint)
  and ($15::bigint is null or s.bytes <= $15::bigint)
  and ($16::numeric is null or s.megapixels >= $16::numeric)
  and ($17::numeric is null or s.megapixels <= $17::numeric)
  and ($18::date is null or s.taken_at >= $18::date::timestamp at time zone 'UTC')
  and ($19::date is null or s.taken_at < ($19::date + 1)::timestamp at time zone 'UTC')
  and ($20::timestamptz is null or (s.created_at, s.image_id) < ($20::timestamptz, $21::uuid))
order by s.created_at desc, s.image_id desc
limit $22
