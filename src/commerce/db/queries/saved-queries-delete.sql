-- Deletes a saved query ($1); only its owner ($2) may.
delete from portal.saved_queries where id = $1 and owner = $2 returning id
