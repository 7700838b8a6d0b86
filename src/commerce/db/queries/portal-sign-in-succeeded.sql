delete from portal.sign_in_failures where login = $1
