-- A line's write now locks its transaction's row before it reads the status
-- (functions/25_transaction_lines.sql, applied right after this migration by the same run).
--
-- Before, a line changed or deleted while another session was completing its transaction read the
-- status as it was before that session committed, and the kept item sales drifted from the lines
-- (a randomized test from six connections caught it on PostgreSQL 15). Sales kept until now are
-- counted again from the lines, as migration 0007 first counted them; writers wait until this
-- migration commits (readers go on).
lock table commerce.transactions, commerce.transacted_items, commerce.item_sales
  in share row exclusive mode;

delete from commerce.item_sales;
insert into commerce.item_sales (item_id, units_bought, times_bought)
select ti.item_id, sum(ti.quantity), count(*)
from commerce.transacted_items ti
join commerce.transactions t on t.transaction_id = ti.transaction_id
where t.transaction_status = 'completed'
group by ti.item_id;
