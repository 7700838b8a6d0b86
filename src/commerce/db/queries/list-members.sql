-- Members without contact details. $1 search text, $2 sort column, $3 asc|desc, $4 limit, $5 offset.
select membership_id, first_name, last_name, date_of_birth, created_at, count(*) over () as total
from commerce.memberships_public
where $1::text is null
   or strpos(lower(membership_id || ' ' || first_name || ' ' || last_name), lower($1)) > 0
order by
  case when $3 = 'asc' then case $2 when 'last_name' then last_name when 'first_name' then first_name
                                    when 'date_of_birth' then date_of_birth::text else membership_id end end asc,
  case when $3 = 'desc' then case $2 when 'last_name' then last_name when 'first_name' then first_name
                                     when 'date_of_birth' then date_of_birth::text else membership_id end end desc,
  membership_id
limit $4 offset $5
