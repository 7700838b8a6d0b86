-- $1 'transactions' or 'items', $2 the record's id. Newest first.
select audit_id, changed_at, actor, action, table_name, row_key, old_values, new_values, batch_id
from commerce.record_history($1, $2)
