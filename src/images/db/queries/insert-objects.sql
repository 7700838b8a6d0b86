-- The image's stored objects, from a JSON array ($1); one already recorded is left as it is
-- (two requests may make the same on-demand size at once).
insert into images.objects (image_id, name, object_key, format, width, height, bytes)
select image_id, name, object_key, format, width, height, bytes
from jsonb_populate_recordset(null::images.objects, $1::jsonb)
on conflict do nothing
