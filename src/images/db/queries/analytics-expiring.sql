-- Stored images due to expire in each of the next 24 hours (hour k: from now + k h to now + k+1 h).
-- $1 source, $2 format, $3 owner (null: any).
select to_char(h.starts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as hour, count(i.image_id)::bigint as images
from generate_series(0, 23) as k
cross join lateral (select now() + k * interval '1 hour' as starts) as h
left join images.images i
  on i.expires_at > h.starts and i.expires_at <= h.starts + interval '1 hour'
  and i.expired_at is null and i.deleted_at is null
  and ($1::text is null or i.source = $1::text)
  and ($2::text is null or i.format = $2::text)
  and ($3::text is null or i.owner_id = $3::text)
group by h.starts
order by h.starts
