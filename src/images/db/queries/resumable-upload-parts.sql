-- The parts that count of these uploads ($1 upload ids); an upload with no row has none.
select upload_id, parts from images.resumable_uploads where upload_id = any($1::text[])
