-- Inserts a batch of members ($1: a JSON array of rows); a row whose membership_id or email is
-- already taken is skipped, and the caller compares it (import-members-existing.sql).
insert into commerce.memberships
  (membership_id, first_name, last_name, email, date_of_birth, mobile_no)
select r.membership_id, r.first_name, r.last_name, r.email, r.date_of_birth, r.mobile_no
from jsonb_to_recordset($1::jsonb) as r (
  membership_id text, first_name text, last_name text, email text, date_of_birth date, mobile_no text
)
on conflict do nothing
returning membership_id
