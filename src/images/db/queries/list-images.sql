-- Live images, newest first; $1 owner (null: everyone's), $2 limit, $3 offset, $4 who is asking:
-- a file name is personal, so only its owner sees it.
select i.image_id, i.owner_id, i.source, i.format, i.bytes, i.width, i.height,
       case when i.owner_id = $4::text then i.original_name end as original_name,
       i.dominant_colour, i.thumbhash, i.created_at, i.expires_at, count(*) over () as total
from images.images i
where ($1::text is null or i.owner_id = $1)
  and i.expired_at is null and i.deleted_at is null and i.expires_at > now()
order by i.created_at desc, i.image_id
limit $2 offset $3
