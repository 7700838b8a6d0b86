-- The read-only surface for BI tools (QuickSight, Metabase, Superset, psql): documented views over
-- the image metadata. Nothing here identifies a person beyond an opaque owner id: no e-mail, no
-- password or key hash, no location, no original file name.
create schema analytics;
revoke all on schema analytics from public;
comment on schema analytics is 'Read-only views of image metadata and intake refusals, for BI tools and analysts.';

create view analytics.images as
  select i.image_id,
         i.owner_id,
         i.source,
         i.format,
         i.bytes,
         i.width,
         i.height,
         round(i.width::numeric * i.height / 1e6, 2) as megapixels,
         i.has_alpha,
         i.colour_space,
         i.camera_make,
         i.camera_model,
         i.taken_at,
         i.created_at,
         i.expires_at,
         (i.expired_at is not null or i.deleted_at is not null or i.expires_at <= now()) as expired,
         i.dominant_colour,
         i.perceptual_hash
  from images.images i;
comment on view analytics.images is 'One row per image ever stored, also after its bytes expired.';
comment on column analytics.images.image_id is 'The image''s id.';
comment on column analytics.images.owner_id is 'An opaque id of the principal who owns the image; it names nobody.';
comment on column analytics.images.source is 'How it came in: upload (web, API, CLI) or stream (Kafka).';
comment on column analytics.images.format is 'The format detected from the bytes: jpeg, png, webp, gif, avif, heif or tiff.';
comment on column analytics.images.bytes is 'Size of the original file, in bytes.';
comment on column analytics.images.width is 'Width in pixels, after EXIF orientation.';
comment on column analytics.images.height is 'Height in pixels, after EXIF orientation.';
comment on column analytics.images.megapixels is 'Width × height, in millions of pixels, two decimals.';
comment on column analytics.images.has_alpha is 'Whether the image has a transparency channel.';
comment on column analytics.images.colour_space is 'The colour space the image was stored in (srgb, cmyk, b-w, …).';
comment on column analytics.images.camera_make is 'Camera maker from EXIF, when present.';
comment on column analytics.images.camera_model is 'Camera model from EXIF, when present.';
comment on column analytics.images.taken_at is 'When the photo was taken, from EXIF, when present.';
comment on column analytics.images.created_at is 'When the image was stored.';
comment on column analytics.images.expires_at is 'When its bytes are (or were) due to be deleted.';
comment on column analytics.images.expired is 'True once the bytes are gone (expired or deleted by the owner); the row stays for history.';
comment on column analytics.images.dominant_colour is 'The most common colour, as #rrggbb.';
comment on column analytics.images.perceptual_hash is 'A 64-bit perceptual hash (16 hex digits); close hashes mean similar pictures.';

create view analytics.daily_uploads as
  select date_trunc('day', created_at)::date as day, source, format,
         count(*) as images, sum(bytes) as bytes, round(avg(width::numeric * height / 1e6), 2) as mean_megapixels
  from images.images
  group by 1, 2, 3;
comment on view analytics.daily_uploads is 'Images stored per day, by source and format.';
comment on column analytics.daily_uploads.day is 'The day (UTC) the images were stored.';
comment on column analytics.daily_uploads.source is 'upload or stream.';
comment on column analytics.daily_uploads.format is 'The detected format.';
comment on column analytics.daily_uploads.images is 'How many images.';
comment on column analytics.daily_uploads.bytes is 'Their total size, in bytes.';
comment on column analytics.daily_uploads.mean_megapixels is 'Their mean size, in megapixels.';

create view analytics.daily_refusals as
  select date_trunc('day', refused_at)::date as day, source, reason, count(*) as refusals
  from images.refusals
  group by 1, 2, 3;
comment on view analytics.daily_refusals is 'Intakes refused per day, by source and reason (no byte of a refused file is kept).';
comment on column analytics.daily_refusals.day is 'The day (UTC) of the refusals.';
comment on column analytics.daily_refusals.source is 'upload or stream.';
comment on column analytics.daily_refusals.reason is 'empty, too_large, not_an_image, unsupported_format, corrupt or too_many_pixels (or a stream reason such as unknown_owner).';
comment on column analytics.daily_refusals.refusals is 'How many were refused.';
