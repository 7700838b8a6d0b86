select item_id, item_name, item_cost, item_weight, deleted_at, created_at, updated_at, 1 as total
from commerce.items where item_id = $1
