-- Refusals older than the analytics retention, oldest first. $1 retention (ms), $2 batch size.
with doomed as (
  select refusal_id from images.refusals
  where refused_at < now() - $1::bigint * interval '1 millisecond'
  order by refused_at
  limit $2
)
delete from images.refusals r using doomed d where r.refusal_id = d.refusal_id
