-- Design 2's metadata: one row per image ever stored (it outlives the image's bytes, marked
-- expired), the objects that hold its bytes, and every refused intake (a fact, with no image byte).
create schema images;
revoke all on schema images from public;

create table images.images (
  image_id         uuid        primary key,
  owner_id         text        not null check (owner_id <> ''),
  source           text        not null check (source in ('upload', 'stream')),
  sha256           text        not null check (sha256 ~ '^[0-9a-f]{64}$'),
  format           text        not null check (format in ('jpeg', 'png', 'webp', 'gif', 'avif', 'heif', 'tiff')),
  bytes            bigint      not null check (bytes > 0),
  width            integer     not null check (width > 0),
  height           integer     not null check (height > 0),
  colour_space     text        not null,
  has_alpha        boolean     not null,
  bit_depth        integer,
  pages            integer     not null default 1 check (pages >= 1),
  camera_make      text,
  camera_model     text,
  lens             text,
  taken_at         timestamptz,
  iso              integer,
  exposure         text,
  focal_length     numeric,
  dominant_colour  text        not null check (dominant_colour ~ '^#[0-9a-f]{6}$'),
  thumbhash        text        not null,
  perceptual_hash  text        not null check (perceptual_hash ~ '^[0-9a-f]{16}$'),
  -- Personal data: cleared when the image expires.
  original_name    text,
  gps_latitude     double precision,
  gps_longitude    double precision,
  -- Where a streamed image came from.
  stream_topic     text,
  stream_partition integer,
  stream_offset    bigint,
  created_at       timestamptz not null default now(),
  expires_at       timestamptz not null,
  -- Set when the bytes are gone: by expiry, or deleted by the owner.
  expired_at       timestamptz,
  deleted_at       timestamptz,
  check (expires_at > created_at),
  check ((source = 'stream') = (stream_topic is not null))
);
comment on table images.images is 'One row per image ever stored; the row outlives the bytes (expired_at / deleted_at).';

-- The same bytes uploaded twice by one owner are one image, while it lives.
create unique index images_owner_sha256_live_key on images.images (owner_id, sha256)
  where expired_at is null and deleted_at is null;
create index images_owner_created_idx on images.images (owner_id, created_at desc);
create index images_created_idx on images.images (created_at);
create index images_expiry_idx on images.images (expires_at) where expired_at is null and deleted_at is null;
create index images_stream_idx on images.images (stream_topic, stream_partition, stream_offset) where stream_topic is not null;

create table images.objects (
  image_id   uuid    not null references images.images on delete cascade,
  name       text    not null check (name ~ '^(original|thumbnail|preview|resize-[a-z0-9-]+)$'),
  object_key text    not null unique,
  format     text    not null,
  width      integer not null,
  height     integer not null,
  bytes      bigint  not null,
  created_at timestamptz not null default now(),
  primary key (image_id, name)
);
comment on table images.objects is 'The stored objects of an image: the original and its derivatives.';

create table images.refusals (
  refusal_id    bigint      generated always as identity primary key,
  owner_id      text        not null,
  source        text        not null check (source in ('upload', 'stream')),
  reason        text        not null,
  message       text        not null,
  bytes         bigint,
  declared_type text,
  refused_at    timestamptz not null default now()
);
create index refusals_refused_at_idx on images.refusals (refused_at);
comment on table images.refusals is 'Intakes refused, and why; no byte of the refused file is kept.';
