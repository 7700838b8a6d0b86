-- Demo metadata (no bytes): images $1 to $1 + $6 - 1 of a demo history of $2 images over $3 days
-- from $4 owners, created evenly over the days and each kept for $5 seconds, so only the last
-- days' are still stored; $7 tells this run's apart. Every 50th image is one of three near-duplicates
-- taken close together (their hashes differ in the last digit at most).
insert into images.images (
  image_id, owner_id, source, sha256, format, bytes, width, height, colour_space, has_alpha,
  camera_make, camera_model, taken_at, dominant_colour, thumbhash, perceptual_hash,
  stream_topic, stream_partition, stream_offset, created_at, expires_at, expired_at)
select gen_random_uuid(), owner, source, encode(sha256(('demo-' || $7::text || '-' || n)::bytea), 'hex'), format,
       bytes, width, height, 'srgb', format in ('png', 'webp') and n % 5 = 0,
       (array['Canon', 'Canon', 'Nikon', 'Sony', 'Apple', 'Google', 'Fujifilm'])[camera],
       (array['EOS R5', 'EOS 90D', 'Z 6II', 'ILCE-7M4', 'iPhone 15 Pro', 'Pixel 8', 'X-T5'])[camera],
       case when camera <= 7 then created - interval '2 hours' end,
       '#' || lpad(to_hex((random() * 16777215)::int), 6, '0'), 'demo', hash,
       case when source = 'stream' then 'demo-' || $7::text end, case when source = 'stream' then 0 end,
       case when source = 'stream' then n end,
       created, created + make_interval(secs => $5::double precision),
       case when created + make_interval(secs => $5::double precision) <= now()
            then created + make_interval(secs => $5::double precision) end
from (
  select n,
         'demo-owner-' || (1 + floor(power(random(), 2) * $4::int))::int as owner,
         case when random() < 0.3 then 'stream' else 'upload' end as source,
         (array['jpeg', 'jpeg', 'jpeg', 'jpeg', 'png', 'png', 'webp', 'webp', 'heif', 'avif', 'gif', 'tiff'])[1 + floor(random() * 12)::int] as format,
         (20000 + power(random(), 3) * 25000000)::bigint as bytes,
         (320 + floor(random() * 5680))::int as width,
         (240 + floor(random() * 3760))::int as height,
         1 + floor(random() * 9)::int as camera,
         now() - ($3::int * interval '1 day') * (1 - (n - 0.5) / $2::bigint) as created,
         case when n % 50 = 0
              then left(encode(sha256(('picture-' || $7::text || '-' || n / 150)::bytea), 'hex'), 15) || to_hex(floor(random() * 16)::int)
              else lpad(to_hex((random() * 4294967295)::bigint), 8, '0') || lpad(to_hex((random() * 4294967295)::bigint), 8, '0')
         end as hash
  from generate_series($1::bigint, least($2::bigint, $1::bigint + $6::bigint - 1)) as n
) as demo
