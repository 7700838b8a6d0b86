-- Claims whose time to complete is up, done or not ($1 at most this many): their rows go, and
-- the caller deletes their objects (the sweep of incoming/ catches any it misses).
delete from images.direct_uploads
where upload_id in (
  select upload_id from images.direct_uploads
  where complete_by < now()
  order by complete_by
  limit $1
)
returning upload_id
