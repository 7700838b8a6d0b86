-- Resumable (tus) uploads in progress, kept here rather than on an instance's disk so that any
-- image API instance continues any upload. The bytes are part objects in the store, encrypted like
-- every object: one per PATCH, uploads/<upload_id>/<offset>-<nonce>; parts lists those that count,
-- in order. The row (and its personal metadata, the file name) goes when the upload is finished,
-- cancelled, or abandoned for a day.
create table images.resumable_uploads (
  upload_id     text        primary key check (upload_id ~ '^[A-Za-z0-9_-]{1,100}$'),
  owner_id      text        not null check (owner_id <> ''),
  -- Null while the client defers it (tus creation-defer-length).
  upload_length bigint      check (upload_length >= 0),
  upload_offset bigint      not null default 0 check (upload_offset >= 0),
  metadata      jsonb       not null default '{}' check (jsonb_typeof(metadata) = 'object'),
  parts         text[]      not null default '{}',
  created_at    timestamptz not null default now(),
  check (upload_length is null or upload_offset <= upload_length)
);
create index resumable_uploads_created_at_idx on images.resumable_uploads (created_at);
comment on table images.resumable_uploads is 'tus uploads in progress: only owner_id may see, continue or cancel one; the sweeper removes those older than a day and their parts.';
comment on column images.resumable_uploads.upload_offset is 'Bytes received; advanced only from the offset the PATCH was sent for, so a stale or racing PATCH is refused.';
comment on column images.resumable_uploads.parts is 'The part objects that hold the bytes so far, in order; any other object under uploads/<upload_id>/ is an orphan.';
