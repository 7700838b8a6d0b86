-- Fresh planner statistics after a bulk load.
analyze commerce.memberships, commerce.manufacturers, commerce.items, commerce.transactions,
  commerce.transacted_items
