-- The analyst views' answers kept as data, and the indexes the transaction list pages on.
--
-- Summing 1,000,000 transactions takes far longer than a report may, on any plan. So each member's
-- completed transactions and spend, and each item's completed units and purchases, are kept in
-- one row per member or item, changed by triggers in the writer's own transaction: a transaction
-- reaching or leaving `completed` adds or removes its contribution (`+=` on that row, which the
-- row lock makes exact under concurrent writers). The views read the top rows from an index.
-- `tessera db verify` recomputes both from the base tables and reports any drift.

create table commerce.member_spending (
  membership_id          text    primary key references commerce.memberships on delete cascade,
  completed_transactions bigint  not null default 0 check (completed_transactions >= 0),
  total_spent            numeric not null default 0 check (total_spent >= 0)
);
comment on table commerce.member_spending is 'Per member: completed transactions and their total cost; kept by triggers, read by top_members_by_spending.';
create index member_spending_top_idx on commerce.member_spending (total_spent desc, membership_id)
  where completed_transactions > 0;

create table commerce.item_sales (
  item_id      bigint primary key references commerce.items on delete cascade,
  units_bought bigint not null default 0 check (units_bought >= 0),
  times_bought bigint not null default 0 check (times_bought >= 0)
);
comment on table commerce.item_sales is 'Per item: units and lines in completed transactions; kept by triggers, read by top_items_by_quantity.';
create index item_sales_top_idx on commerce.item_sales (units_bought desc, item_id)
  where times_bought > 0;

revoke all on commerce.member_spending, commerce.item_sales from public;
-- The views run with the reader's rights, so their readers read these; nobody writes them but the
-- triggers below, which run as the owner.
grant select on commerce.member_spending, commerce.item_sales to commerce_logistics, commerce_analytics;

-- Adds (sign 1) or removes (sign -1) one transaction's lines to the items' sales, in item order, so
-- that two writers completing transactions with the same items lock their rows in the same order.
create function commerce.count_item_sales(p_transaction_id bigint, p_sign integer) returns void
language sql security definer set search_path = pg_catalog, pg_temp as $$
  insert into commerce.item_sales as s (item_id, units_bought, times_bought)
  select ti.item_id, p_sign * ti.quantity, p_sign
  from commerce.transacted_items ti
  where ti.transaction_id = p_transaction_id
  order by ti.item_id
  on conflict (item_id) do update
    set units_bought = s.units_bought + excluded.units_bought,
        times_bought = s.times_bought + excluded.times_bought
$$;

-- A transaction's contribution while it is completed: one transaction and its total to its member,
-- its lines to their items. An update takes the old contribution away and adds the new one.
create function commerce.keep_completed_totals() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
begin
  if tg_op in ('UPDATE', 'DELETE') and old.transaction_status = 'completed' then
    update commerce.member_spending
      set completed_transactions = completed_transactions - 1,
          total_spent = total_spent - old.total_items_cost
      where membership_id = old.membership_id;
    -- A deleted transaction has no lines left (they reference it): each line's delete took its own.
    if tg_op = 'UPDATE' and new.transaction_status <> 'completed' then
      perform commerce.count_item_sales(old.transaction_id, -1);
    end if;
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.transaction_status = 'completed' then
    insert into commerce.member_spending as s (membership_id, completed_transactions, total_spent)
      values (new.membership_id, 1, new.total_items_cost)
      on conflict (membership_id) do update
        set completed_transactions = s.completed_transactions + 1,
            total_spent = s.total_spent + excluded.total_spent;
    if tg_op = 'INSERT' or old.transaction_status <> 'completed' then
      perform commerce.count_item_sales(new.transaction_id, 1);
    end if;
  end if;
  return null;
end
$$;

-- WHEN keeps the function out of every write that cannot change a completed contribution.
create trigger transactions_keep_totals_insert after insert on commerce.transactions
  for each row when (new.transaction_status = 'completed')
  execute function commerce.keep_completed_totals();
create trigger transactions_keep_totals_update after update on commerce.transactions
  for each row
  when ((old.transaction_status = 'completed' or new.transaction_status = 'completed')
        and (old.transaction_status, old.membership_id, old.total_items_cost)
            is distinct from (new.transaction_status, new.membership_id, new.total_items_cost))
  execute function commerce.keep_completed_totals();
create trigger transactions_keep_totals_delete after delete on commerce.transactions
  for each row when (old.transaction_status = 'completed')
  execute function commerce.keep_completed_totals();

-- Lines of a completed transaction are frozen (prepare_transacted_item refuses new or changed
-- ones), but the owner can still delete one or move it away: its units leave its item's sales.
-- The transaction's new total reaches the member through the trigger above.
create function commerce.keep_item_sales_of_line() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
begin
  if exists (select 1 from commerce.transactions t
             where t.transaction_id = old.transaction_id and t.transaction_status = 'completed') then
    update commerce.item_sales
      set units_bought = units_bought - old.quantity, times_bought = times_bought - 1
      where item_id = old.item_id;
  end if;
  if tg_op = 'UPDATE' and exists (select 1 from commerce.transactions t
             where t.transaction_id = new.transaction_id and t.transaction_status = 'completed') then
    insert into commerce.item_sales as s (item_id, units_bought, times_bought)
      values (new.item_id, new.quantity, 1)
      on conflict (item_id) do update
        set units_bought = s.units_bought + excluded.units_bought,
            times_bought = s.times_bought + 1;
  end if;
  return null;
end
$$;

create trigger transacted_items_keep_sales after update or delete on commerce.transacted_items
  for each row execute function commerce.keep_item_sales_of_line();

revoke all on function commerce.count_item_sales(bigint, integer), commerce.keep_completed_totals(),
  commerce.keep_item_sales_of_line() from public;

-- The data already there. Creating the triggers above locked both tables against writes until this
-- migration commits, so no write falls between the backfill and the triggers.
insert into commerce.member_spending (membership_id, completed_transactions, total_spent)
select t.membership_id, count(*), sum(t.total_items_cost)
from commerce.transactions t
where t.transaction_status = 'completed'
group by t.membership_id;

insert into commerce.item_sales (item_id, units_bought, times_bought)
select ti.item_id, sum(ti.quantity), count(*)
from commerce.transacted_items ti
join commerce.transactions t on t.transaction_id = ti.transaction_id
where t.transaction_status = 'completed'
group by ti.item_id;

-- The old view's index-only path is no longer read.
drop index commerce.transactions_completed_spend_idx;

-- The transaction list pages by key on each order it offers, the id breaking ties, so a page reads
-- its rows from an index instead of sorting the table.
create index transactions_cost_idx on commerce.transactions (total_items_cost, transaction_id);
create index transactions_weight_idx on commerce.transactions (total_items_weight, transaction_id);
create index transactions_status_idx on commerce.transactions (transaction_status, transaction_id);
drop index commerce.transactions_membership_idx;
create index transactions_membership_idx on commerce.transactions (membership_id, transaction_id);
