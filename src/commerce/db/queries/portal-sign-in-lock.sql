-- Locks login $1 until now + $2.
update portal.sign_in_failures set locked_until = now() + $2::interval where login = $1
