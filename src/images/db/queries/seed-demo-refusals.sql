-- Demo refusals: $1 of them over the last $2 days, from $3 owners, for the reasons intake gives.
insert into images.refusals (owner_id, source, reason, message, bytes, refused_at)
select 'demo-owner-' || (1 + floor(power(random(), 2) * $3::int))::int,
       case when random() < 0.3 then 'stream' else 'upload' end,
       reason, 'Demo refusal.', (random() * 30000000)::bigint,
       now() - random() * ($2::int * interval '1 day')
from (
  select (array['not_an_image', 'not_an_image', 'unsupported_format', 'too_large', 'corrupt', 'empty', 'too_many_pixels'])[1 + floor(random() * 7)::int] as reason
  from generate_series(1, $1::int)
) as refused
