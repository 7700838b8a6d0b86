-- For batch rows the insert skipped ($1: a JSON array of rows): whether the membership_id exists,
-- which of its columns differ from the row, and which other member already has the row's email.
select
  r.membership_id,
  m.membership_id is not null as id_exists,
  array_remove(array[
    case when m.first_name is distinct from r.first_name then 'first_name' end,
    case when m.last_name is distinct from r.last_name then 'last_name' end,
    case when m.email is distinct from r.email then 'email' end,
    case when m.date_of_birth is distinct from r.date_of_birth then 'date_of_birth' end,
    case when m.mobile_no is distinct from r.mobile_no then 'mobile_no' end
  ], null) as differs,
  owner.membership_id as email_owner
from jsonb_to_recordset($1::jsonb) as r (
  membership_id text, first_name text, last_name text, email text, date_of_birth date, mobile_no text
)
left join commerce.memberships m on m.membership_id = r.membership_id
left join commerce.memberships owner
  on lower(owner.email) = lower(r.email) and owner.membership_id <> r.membership_id
