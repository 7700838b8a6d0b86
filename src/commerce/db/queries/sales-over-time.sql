-- Completed sales per $1 (day | week | month) between $2 (inclusive) and $3 (exclusive).
select date_trunc($1, completed_at) as period, count(*) as transactions, sum(total_items_cost) as revenue
from commerce.transactions
where transaction_status = 'completed' and completed_at >= $2 and completed_at < $3
group by 1
order by 1
