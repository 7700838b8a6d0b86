select locked_until from portal.sign_in_failures where login = $1 and locked_until > now()
