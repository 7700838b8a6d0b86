select ti.item_id, i.item_name, ti.quantity, ti.unit_cost, ti.unit_weight,
       ti.unit_cost * ti.quantity as line_cost, ti.unit_weight * ti.quantity as line_weight,
       i.deleted_at is not null as retired
from commerce.transacted_items ti join commerce.items i on i.item_id = ti.item_id
where ti.transaction_id = $1
order by i.item_name, ti.item_id
