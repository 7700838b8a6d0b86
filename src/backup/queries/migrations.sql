-- The migrations a database has, to match a backup with the release that can restore it.
select area, name, checksum
from tessera.migrations
where name <> '(functions)'
order by area, name;
