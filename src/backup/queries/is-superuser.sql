select rolsuper as superuser from pg_roles where rolname = current_user;
