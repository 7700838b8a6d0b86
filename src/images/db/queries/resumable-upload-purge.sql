-- Uploads started more than $1 milliseconds ago and never finished ($2 at most this many): their
-- rows go, and the caller deletes their parts (the sweep of uploads/ catches any it misses).
delete from images.resumable_uploads
where upload_id in (
  select upload_id from images.resumable_uploads
  where created_at < now() - make_interval(secs => $1::double precision / 1000)
  order by created_at
  limit $2
)
returning upload_id
