-- The perceptual hashes of the stored images within the filters: $1 first day, $2 last day, $3
-- source, $4 format, $5 owner (null: any).
select image_id, perceptual_hash
from images.stored_images_within($1::date, $2::date, $3::text, $4::text, $5::text)
