-- Direct uploads: a client posts the bytes straight to the bucket with a presigned POST (API
-- Gateway carries at most 10 MB a request), then asks the image API to take them in. A row is the
-- claim that ties the object incoming/<upload_id> to the principal who asked for it.
create table images.direct_uploads (
  upload_id     uuid        primary key,
  owner_id      text        not null check (owner_id <> ''),
  -- What the client said when it asked; personal (the name), gone with the row.
  original_name text,
  declared_type text,
  created_at    timestamptz not null default now(),
  expires_at    timestamptz not null,
  complete_by   timestamptz not null,
  completed_at  timestamptz,
  -- The image it became (no reference: image rows have their own life), or why it was refused.
  image_id      uuid,
  refusal       text,
  check (complete_by >= expires_at and expires_at > created_at),
  check (completed_at is not null or (image_id is null and refusal is null))
);
create index direct_uploads_complete_by_idx on images.direct_uploads (complete_by);
comment on table images.direct_uploads is 'Claims of presigned POSTs to incoming/<upload_id>: only owner_id may complete one; the sweeper deletes a claim and its object after complete_by.';
comment on column images.direct_uploads.expires_at is 'Until when the presigned POST is accepted by the bucket.';
comment on column images.direct_uploads.complete_by is 'Until when the landed object may be taken in (a slow upload started before expires_at still counts).';
comment on column images.direct_uploads.completed_at is 'When it was taken in or refused; a claim completes once.';
