-- The teams of Design 1 as group roles. Roles belong to the whole cluster, so they are created
-- only where missing; each person logs in with a role of their own that is a member of one team.
do $$
declare
  team text;
begin
  foreach team in array array['commerce_logistics', 'commerce_analytics', 'commerce_sales', 'commerce_pii'] loop
    if not exists (select 1 from pg_roles where rolname = team) then
      begin
        execute format('create role %I nologin noinherit', team);
      exception when duplicate_object then
        null; -- another database of this cluster created it at the same moment
      end;
    end if;
  end loop;
end
$$;

-- Team roles hold privileges; they never log in and their members inherit from them.
alter role commerce_logistics nologin inherit;
alter role commerce_analytics nologin inherit;
alter role commerce_sales nologin inherit;
alter role commerce_pii nologin inherit;

comment on role commerce_logistics is 'Logistics: reads everything but contact details; records and completes transactions; manages items.';
comment on role commerce_analytics is 'Analytics: reads everything but contact details.';
comment on role commerce_sales is 'Sales: reads and manages items; reads manufacturers.';
comment on role commerce_pii is 'May read memberships.email and memberships.mobile_no; granted to named people only.';
