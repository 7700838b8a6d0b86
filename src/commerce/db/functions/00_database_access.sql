-- Only the teams may connect to this database (PUBLIC may by default). This is a property of the
-- database rather than of its schema, so it is re-applied with the procedures, and a database
-- copied from a template gets it too.
do $$
begin
  execute format('revoke connect, temporary on database %I from public', current_database());
  execute format('grant connect on database %I to commerce_logistics, commerce_analytics, commerce_sales, '
                 'commerce_admin, commerce_portal',
                 current_database());
end
$$;
