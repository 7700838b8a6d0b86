select t.transaction_id, t.membership_id, m.first_name || ' ' || m.last_name as member_name,
       t.manufacturer_id, f.manufacturer_name, t.total_items_cost, t.total_items_weight,
       t.transaction_status, t.created_at, t.completed_at, t.updated_at, 1 as total
from commerce.transactions t
join commerce.memberships_public m on m.membership_id = t.membership_id
join commerce.manufacturers f on f.manufacturer_id = t.manufacturer_id
where t.transaction_id = $1
