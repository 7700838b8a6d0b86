select membership_id, first_name, last_name, completed_transactions, total_spent
from commerce.top_members_by_spending
