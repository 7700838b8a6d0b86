-- The seed's five tables, with the seed's names, mended: exact money, keys everywhere, checks,
-- timestamps. Line items keep the unit cost and weight at the time of sale, so a later price change
-- never rewrites a past transaction.
create schema commerce;
revoke all on schema commerce from public;

create table commerce.memberships (
  membership_id text        primary key check (membership_id ~ '^\S+_[0-9a-f]{5}$'),
  first_name    text        not null check (btrim(first_name) <> ''),
  last_name     text        not null check (btrim(last_name) <> ''),
  email         text        not null check (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
  date_of_birth date        not null check (date_of_birth > date '1900-01-01'),
  mobile_no     text        not null check (mobile_no ~ '^[0-9]{8}$'),
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);
create unique index memberships_email_key on commerce.memberships (lower(email));

create table commerce.manufacturers (
  manufacturer_id   bigint      generated always as identity primary key,
  manufacturer_name text        not null check (btrim(manufacturer_name) <> ''),
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now()
);
create unique index manufacturers_name_key on commerce.manufacturers (lower(manufacturer_name));

create table commerce.items (
  item_id     bigint        generated always as identity primary key,
  item_name   text          not null check (btrim(item_name) <> ''),
  item_cost   numeric(12,2) not null check (item_cost >= 0),
  item_weight numeric(12,3) not null check (item_weight >= 0),
  deleted_at  timestamptz,
  created_at  timestamptz   not null default now(),
  updated_at  timestamptz   not null default now()
);
comment on column commerce.items.item_cost is 'Price of one unit, in the shop currency.';
comment on column commerce.items.item_weight is 'Weight of one unit, in kilograms.';
comment on column commerce.items.deleted_at is 'When the item was retired; retired items stay in past transactions but cannot be sold.';
create unique index items_active_name_key on commerce.items (lower(item_name)) where deleted_at is null;

create table commerce.transactions (
  transaction_id     bigint        generated always as identity primary key,
  membership_id      text          not null references commerce.memberships,
  manufacturer_id    bigint        not null references commerce.manufacturers,
  total_items_cost   numeric(14,2) not null default 0 check (total_items_cost >= 0),
  total_items_weight numeric(14,3) not null default 0 check (total_items_weight >= 0),
  transaction_status text          not null default 'pending'
    check (transaction_status in ('pending', 'paid', 'shipped', 'completed', 'cancelled')),
  completed_at       timestamptz,
  created_at         timestamptz   not null default now(),
  updated_at         timestamptz   not null default now(),
  check ((transaction_status = 'completed') = (completed_at is not null))
);
comment on column commerce.transactions.total_items_cost is 'Sum of unit cost x quantity over its items; kept by the database.';
comment on column commerce.transactions.total_items_weight is 'Sum of unit weight x quantity over its items; kept by the database.';
create index transactions_membership_idx on commerce.transactions (membership_id);
create index transactions_manufacturer_idx on commerce.transactions (manufacturer_id);
create index transactions_status_created_idx on commerce.transactions (transaction_status, created_at);
create index transactions_created_idx on commerce.transactions (created_at);
-- Serves "top members by spending" from the index alone.
create index transactions_completed_spend_idx on commerce.transactions (membership_id)
  include (total_items_cost) where transaction_status = 'completed';

create table commerce.transacted_items (
  transaction_id bigint        not null references commerce.transactions,
  item_id        bigint        not null references commerce.items,
  quantity       integer       not null check (quantity > 0),
  unit_cost      numeric(12,2) not null check (unit_cost >= 0),
  unit_weight    numeric(12,3) not null check (unit_weight >= 0),
  created_at     timestamptz   not null default now(),
  updated_at     timestamptz   not null default now(),
  primary key (transaction_id, item_id)
);
comment on column commerce.transacted_items.unit_cost is 'The item''s cost when it was sold; set by the database.';
comment on column commerce.transacted_items.unit_weight is 'The item''s weight when it was sold; set by the database.';
-- Serves "items most often bought" and every lookup from an item to its sales.
create index transacted_items_item_idx on commerce.transacted_items (item_id) include (quantity);
