-- Demo manufacturers: up to $1 (at most 60) plausible company names, each added only if no maker of
-- that name exists yet, so a second run adds nothing. Written with the triggers on (audited).
insert into commerce.manufacturers (manufacturer_name, created_at, updated_at)
select n.name, n.created_at, n.created_at
from (
  select format('%s %s', p.word, (array['Industries', 'Trading', 'Works', 'Supply Co.', 'Labs', 'Goods'])[1 + p.n % 6]) as name,
         now() - interval '1095 days' + p.n * interval '1 day' as created_at
  from unnest(array[
    'Acme', 'Northwind', 'Harbour', 'Summit', 'Lumen', 'Keystone', 'Bluefin', 'Redwood', 'Ironbark', 'Silverline',
    'Meridian', 'Orchid', 'Pioneer', 'Cobalt', 'Evergreen', 'Falcon', 'Granite', 'Horizon', 'Juniper', 'Kestrel',
    'Lotus', 'Monsoon', 'Nimbus', 'Oakridge', 'Pacifica', 'Quartz', 'Riverside', 'Sable', 'Tidewater', 'Umbra',
    'Vantage', 'Willow', 'Zephyr', 'Amber', 'Banyan', 'Cedar', 'Delta', 'Ember', 'Fjord', 'Galleon',
    'Halcyon', 'Indigo', 'Jade', 'Kingfisher', 'Lighthouse', 'Marina', 'Nova', 'Orbit', 'Peak', 'Raffles',
    'Sentosa', 'Tembusu', 'Upland', 'Vertex', 'Wavecrest', 'Yellowstone', 'Atlas', 'Beacon', 'Crescent', 'Dune'
  ]) with ordinality as p(word, n)
  where p.n <= $1
) n
where not exists (
  select 1 from commerce.manufacturers m where lower(m.manufacturer_name) = lower(n.name)
)
