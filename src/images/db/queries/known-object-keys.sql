-- Which of these object keys ($1) an image still owns.
select object_key from images.objects where object_key = any($1::text[])
