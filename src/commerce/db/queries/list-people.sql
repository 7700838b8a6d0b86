select login, team, pii, can_login
from commerce.people
order by team, login
