-- The stored images with these ids ($1), whatever their order.
select * from images.stored_images where image_id = any($1::uuid[])
