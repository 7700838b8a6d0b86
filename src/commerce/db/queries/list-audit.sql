-- $1 table or null, $2 actor or null, $3 action or null, $4 from or null, $5 to or null,
-- $6 asc|desc, $7 limit, $8 offset.
select audit_id, changed_at, actor, login, request_id, action, table_name, row_key, old_values, new_values,
       count(*) over () as total
from commerce.audit_entries
where ($1::text is null or table_name = $1)
  and ($2::text is null or actor = $2)
  and ($3::text is null or action = $3)
  and ($4::timestamptz is null or changed_at >= $4)
  and ($5::timestamptz is null or changed_at < $5)
order by case when $6 = 'asc' then audit_id end asc, case when $6 = 'desc' then audit_id end desc
limit $7 offset $8
