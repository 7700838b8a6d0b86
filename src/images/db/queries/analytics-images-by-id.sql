-- The explorer's view of the images with these ids ($1), whatever their order.
select i.image_id, i.owner_id, i.source, i.format, i.bytes, i.width, i.height,
       round(i.width::numeric * i.height / 1e6, 2) as megapixels, i.has_alpha, i.colour_space,
       i.camera_make, i.camera_model, i.taken_at, i.created_at, i.expires_at, i.dominant_colour,
       i.perceptual_hash,
       exists (select from images.objects o
               where o.image_id = i.image_id and o.name = 'thumbnail') as has_thumbnail
from images.images i
where i.image_id = any($1::uuid[])
