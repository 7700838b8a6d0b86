-- Refused intakes by reason within the filters: $1 first day, $2 last day, $3 source, $4 owner.
-- A refusal keeps no image, so it has no format.
select reason, count(*)::bigint as refusals
from images.refusals
where ($1::date is null or refused_at >= $1::date::timestamp at time zone 'UTC')
  and ($2::date is null or refused_at < ($2::date + 1)::timestamp at time zone 'UTC')
  and ($3::text is null or source = $3::text)
  and ($4::text is null or owner_id = $4::text)
group by reason
order by refusals desc, reason
