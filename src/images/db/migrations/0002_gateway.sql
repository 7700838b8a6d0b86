-- The principals of Design 2 (the IAM of this system): users, engineers, analysts and
-- administrators; their API keys; their browser sessions. Each may be limited to networks.
create schema gateway;
revoke all on schema gateway from public;

create table gateway.principals (
  principal_id  uuid        primary key,
  name          text        not null check (name ~ '^[A-Za-z0-9._@+-]{1,200}$'),
  role          text        not null check (role in ('user', 'engineer', 'analyst', 'admin')),
  -- argon2id, in PHC form; null for principals that only use API keys.
  password_hash text        check (password_hash is null or password_hash like '$argon2id$%'),
  cidrs         cidr[]      not null default '{}',
  created_at    timestamptz not null default now(),
  disabled_at   timestamptz
);
create unique index principals_name_key on gateway.principals (lower(name));
comment on table gateway.principals is 'Who may use the image APIs; principal_id is the opaque owner id of their images.';

create table gateway.api_keys (
  key_id       uuid        primary key,
  principal_id uuid        not null references gateway.principals,
  name         text        not null check (btrim(name) <> ''),
  -- The key is shown once; only its SHA-256 is kept, found by its public prefix.
  prefix       text        not null unique check (prefix ~ '^[a-z0-9]{12}$'),
  key_hash     bytea       not null,
  scopes       text[]      not null check (scopes <@ array['images:read', 'images:write']::text[] and cardinality(scopes) > 0),
  created_at   timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
create index api_keys_principal_idx on gateway.api_keys (principal_id);

create table gateway.sessions (
  token_hash   bytea       primary key,
  principal_id uuid        not null references gateway.principals,
  created_at   timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at   timestamptz not null
);
create index sessions_principal_idx on gateway.sessions (principal_id);
