-- A correct password: the count of account $1 starts again.
delete from gateway.sign_in_failures where account = $1
