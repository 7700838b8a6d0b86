-- $1 the rows as jsonb: [{"name", "manufacturer", "cost", "weight"}], in file order.
select row_number, item_name, item_cost::text as item_cost, item_weight::text as item_weight, verdict, detail
from commerce.preview_item_import($1::jsonb)
