-- Daily rollups behind the analytics dashboard, so its figures over a million images take
-- milliseconds. A day is rolled up once it is over (stored images never change their day, source,
-- format, size or camera); the dashboard adds the days not yet rolled up from the images
-- themselves, and reads the images themselves when filtered to one owner. Both paths count the
-- same facts, defined once in images.image_facts.

-- Histogram buckets: where an image falls, and the buckets' labels in order.
create table images.histogram_buckets (
  dimension text     not null check (dimension in ('size', 'pixels')),
  position  smallint not null,
  label     text     not null,
  primary key (dimension, position)
);
comment on table images.histogram_buckets is 'The labels of the dashboard''s size and dimension histograms, in order.';
insert into images.histogram_buckets values
  ('size', 1, '< 100 KB'), ('size', 2, '100 KB – 1 MB'), ('size', 3, '1 – 5 MB'),
  ('size', 4, '5 – 20 MB'), ('size', 5, '≥ 20 MB'),
  ('pixels', 1, '< 1 MP'), ('pixels', 2, '1 – 4 MP'), ('pixels', 3, '4 – 12 MP'),
  ('pixels', 4, '12 – 24 MP'), ('pixels', 5, '≥ 24 MP');

create function images.size_bucket(bytes bigint) returns smallint
  language sql immutable parallel safe
  return case when bytes < 100 * 1024 then 1
              when bytes < 1024 * 1024 then 2
              when bytes < 5 * 1024 * 1024 then 3
              when bytes < 20 * 1024 * 1024 then 4
              else 5 end;

create function images.pixel_bucket(width integer, height integer) returns smallint
  language sql immutable parallel safe
  return case when width::bigint * height < 1000000 then 1
              when width::bigint * height < 4000000 then 2
              when width::bigint * height < 12000000 then 3
              when width::bigint * height < 24000000 then 4
              else 5 end;

-- What each image counts for: its total, its size and pixel buckets, and its camera if known. One
-- branch per dimension, so a query for one dimension plans only that branch.
create view images.image_facts as
  select image_id, owner_id, created_at, (created_at at time zone 'UTC')::date as day, source,
         format, bytes, width::numeric * height / 1e6 as megapixels, 'total' as dimension,
         '' as value
  from images.images
  union all
  select image_id, owner_id, created_at, (created_at at time zone 'UTC')::date, source, format,
         bytes, width::numeric * height / 1e6, 'size', images.size_bucket(bytes)::text
  from images.images
  union all
  select image_id, owner_id, created_at, (created_at at time zone 'UTC')::date, source, format,
         bytes, width::numeric * height / 1e6, 'pixels', images.pixel_bucket(width, height)::text
  from images.images
  union all
  select image_id, owner_id, created_at, (created_at at time zone 'UTC')::date, source, format,
         bytes, width::numeric * height / 1e6, 'camera',
         btrim(concat_ws(' ', camera_make, camera_model))
  from images.images
  where camera_make is not null or camera_model is not null;
comment on view images.image_facts is 'The facts each image adds to the daily rollups: one row per dimension.';

create table images.daily_facts (
  dimension text   not null,
  day       date   not null,
  source    text   not null,
  format    text   not null,
  value     text   not null,
  images     bigint  not null,
  bytes      bigint  not null,
  megapixels numeric not null,
  primary key (dimension, day, source, format, value)
);
comment on table images.daily_facts is 'images.image_facts summed per UTC day, for the days up to images.rollup_state.rolled_through.';

create table images.rollup_state (
  only_row       boolean primary key default true check (only_row),
  rolled_through date
);
insert into images.rollup_state default values;
comment on table images.rollup_state is 'The last UTC day images.daily_facts holds; later days are read from the images.';

-- Rolls up the days that are over and not yet rolled up. A day counts as over an hour after
-- midnight UTC, so an intake that began before midnight has committed by then.
create function images.refresh_rollups() returns date
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
declare
  done    date;
  through date := ((now() - interval '1 hour') at time zone 'UTC')::date - 1;
begin
  perform pg_advisory_xact_lock(hashtext('images.refresh_rollups'));
  select rolled_through into done from images.rollup_state;
  if done is not null and done >= through then
    return done;
  end if;
  if done is null then
    select coalesce(min(day), through + 1) - 1 into done from images.image_facts;
  end if;
  delete from images.daily_facts where day > done and day <= through;
  insert into images.daily_facts (dimension, day, source, format, value, images, bytes, megapixels)
    select dimension, day, source, format, value, count(*), sum(bytes), sum(megapixels)
    from images.image_facts
    where created_at >= ((done + 1)::timestamp at time zone 'UTC')
      and created_at < ((through + 1)::timestamp at time zone 'UTC')
    group by dimension, day, source, format, value;
  update images.rollup_state set rolled_through = through;
  return through;
end
$$;
comment on function images.refresh_rollups() is 'Rolls up every finished day not yet in images.daily_facts; returns the last day rolled up.';

-- Forgets the rollups, for when history was written out of order (the demo data generator).
create function images.reset_rollups() returns void
  language sql
  begin atomic
    delete from images.daily_facts;
    update images.rollup_state set rolled_through = null;
  end;

-- The facts in scope of the dashboard's filters, from the rollups where they can serve and from
-- the images otherwise. A SQL function of one query, so the planner inlines it into each caller.
create function images.facts(
  wanted text, first_day date, last_day date, only_source text, only_format text, only_owner text
) returns table (day date, source text, format text, value text, images bigint, bytes bigint)
  language sql stable
as $$
  select f.day, f.source, f.format, f.value, f.images, f.bytes
  from images.daily_facts f
  where only_owner is null and f.dimension = wanted
    and f.day <= (select rolled_through from images.rollup_state)
    and (first_day is null or f.day >= first_day)
    and (last_day is null or f.day <= last_day)
    and (only_source is null or f.source = only_source)
    and (only_format is null or f.format = only_format)
  union all
  select f.day, f.source, f.format, f.value, 1, f.bytes
  from images.image_facts f
  where f.dimension = wanted
    and (only_owner is not null or f.created_at >= coalesce(
      ((select rolled_through from images.rollup_state) + 1)::timestamp at time zone 'UTC',
      '-infinity'))
    and (only_owner is null or f.owner_id = only_owner)
    and (first_day is null or f.created_at >= first_day::timestamp at time zone 'UTC')
    and (last_day is null or f.created_at < (last_day + 1)::timestamp at time zone 'UTC')
    and (only_source is null or f.source = only_source)
    and (only_format is null or f.format = only_format)
$$;
comment on function images.facts(text, date, date, text, text, text) is 'The dashboard''s facts of one dimension within its filters (null: no filter).';

-- BI tools' daily aggregates from the rollups too (and today's images from the table), with the
-- columns and types 0003 gave the view.
create or replace view analytics.daily_uploads as
  select day, source, format, sum(images)::bigint as images, sum(bytes) as bytes,
         round(sum(megapixels) / sum(images), 2) as mean_megapixels
  from (
    select day, source, format, images, bytes, megapixels
    from images.daily_facts
    where dimension = 'total' and day <= (select rolled_through from images.rollup_state)
    union all
    select day, source, format, 1, bytes, megapixels
    from images.image_facts
    where dimension = 'total'
      and created_at >= coalesce(
        ((select rolled_through from images.rollup_state) + 1)::timestamp at time zone 'UTC',
        '-infinity')
  ) as facts
  group by day, source, format;

-- One owner's facts come from the index alone (no table reads), as do the figures about now.
drop index images.images_owner_created_idx;
create index images_owner_created_idx on images.images (owner_id, created_at desc)
  include (source, format, bytes, width, height, camera_make, camera_model);
drop index images.images_expiry_idx;
create index images_expiry_idx on images.images (expires_at)
  include (source, format, owner_id, bytes, created_at)
  where expired_at is null and deleted_at is null;

-- The images whose bytes are still stored, as the explorer and the near-duplicates show them.
create view images.stored_images as
  select i.image_id, i.owner_id, i.source, i.format, i.bytes, i.width, i.height,
         round(i.width::numeric * i.height / 1e6, 2) as megapixels, i.has_alpha, i.colour_space,
         i.camera_make, i.camera_model, i.taken_at, i.created_at, i.expires_at, i.dominant_colour,
         i.perceptual_hash,
         -- Metadata without bytes (the demo history) has no thumbnail to show.
         exists (select from images.objects o
                 where o.image_id = i.image_id and o.name = 'thumbnail') as has_thumbnail
  from images.images i
  where i.expired_at is null and i.deleted_at is null and i.expires_at > now();
comment on view images.stored_images is 'Images whose bytes are still stored, with what analysts see of them.';

-- Those within the dashboard's filters (null: no filter); inlined into each caller.
create function images.stored_images_within(
  first_day date, last_day date, only_source text, only_format text, only_owner text
) returns setof images.stored_images
  language sql stable
as $$
  select s.*
  from images.stored_images s
  where (first_day is null or s.created_at >= first_day::timestamp at time zone 'UTC')
    and (last_day is null or s.created_at < (last_day + 1)::timestamp at time zone 'UTC')
    and (only_source is null or s.source = only_source)
    and (only_format is null or s.format = only_format)
    and (only_owner is null or s.owner_id = only_owner)
$$;

-- The explorer pages through stored images newest first.
create index images_live_created_idx on images.images (created_at desc, image_id desc)
  where expired_at is null and deleted_at is null;
