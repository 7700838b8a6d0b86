-- One claim ($1 upload id), with whether its time to complete is up by the database's clock.
select upload_id, owner_id, original_name, declared_type, completed_at, image_id,
       complete_by < now() as expired
from images.direct_uploads
where upload_id = $1
