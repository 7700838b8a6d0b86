-- $1 transaction ids (bigint[]), in the order given.
select transaction_id, from_status, to_status, problem
from commerce.preview_bulk_status($1::bigint[])
