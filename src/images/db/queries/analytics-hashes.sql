-- The perceptual hashes of the stored images within the filters ($1 first day, $2 last day, $3
-- source, $4 format, $5 owner; null: any), oldest first so a group lists the original before its
-- copies: as one row of two strings, the 16-digit hashes end to end and the 36-character ids in
-- the same order. One row, not one per image: the image API reads a million hashes without
-- building a million objects on its event loop.
select coalesce(string_agg(perceptual_hash, '' order by created_at, image_id), '') as hashes,
       coalesce(string_agg(image_id::text, '' order by created_at, image_id), '') as ids
from images.stored_images_within($1::date, $2::date, $3::text, $4::text, $5::text)
