-- One image as its viewers see it, with its objects; $1 image id. Expired and deleted ones are
-- returned too (marked), so callers can say "expired" rather than "not found".
select i.image_id, i.owner_id, i.source, i.sha256, i.format, i.bytes, i.width, i.height, i.colour_space,
       i.has_alpha, i.bit_depth, i.pages, i.camera_make, i.camera_model, i.lens, i.taken_at, i.iso, i.exposure,
       i.focal_length, i.dominant_colour, i.thumbhash, i.perceptual_hash, i.original_name, i.created_at,
       i.expires_at, i.expired_at, i.deleted_at,
       (i.expired_at is null and i.deleted_at is null and i.expires_at > now()) as live,
       coalesce((select jsonb_agg(jsonb_build_object('name', o.name, 'format', o.format, 'width', o.width,
                                                      'height', o.height, 'bytes', o.bytes, 'object_key', o.object_key)
                                  order by o.name)
                 from images.objects o where o.image_id = i.image_id), '[]') as objects
from images.images i
where i.image_id = $1
