-- Live images whose time is up, oldest first; $1 batch size.
select i.image_id, coalesce((select array_agg(o.object_key) from images.objects o where o.image_id = i.image_id), '{}') as object_keys
from images.images i
where i.expires_at <= now() and i.expired_at is null and i.deleted_at is null
order by i.expires_at
limit $1
