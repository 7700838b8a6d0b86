-- What demo transactions can be made of: members, manufacturers and items that may be sold.
select (select count(*) from commerce.memberships)::integer as members,
       (select count(*) from commerce.manufacturers)::integer as manufacturers,
       (select count(*) from commerce.items where deleted_at is null)::integer as items
