select item_id, item_name, units_bought, times_bought, retired
from commerce.top_items_by_quantity
