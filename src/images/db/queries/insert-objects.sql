-- The image's stored objects, from a JSON array ($1).
insert into images.objects (image_id, name, object_key, format, width, height, bytes)
select image_id, name, object_key, format, width, height, bytes
from jsonb_populate_recordset(null::images.objects, $1::jsonb)
