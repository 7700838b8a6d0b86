-- Demo items: $1 (at most 6,000) names made of an adjective, a material and a product, each added
-- only if no item of that name exists yet (retired ones included), so a second run adds nothing.
-- Cost and weight follow the product; one item in fifty is retired. Triggers on (audited).
with adjectives(word, n) as (
  select * from unnest(array[
    'Classic', 'Compact', 'Deluxe', 'Everyday', 'Foldable', 'Heavy-Duty', 'Lightweight', 'Modern', 'Portable', 'Premium',
    'Rustic', 'Slim', 'Sturdy', 'Travel', 'Vintage', 'Eco', 'Ergonomic', 'Mini', 'Pro', 'Smart'
  ]) with ordinality
),
materials(word, factor, n) as (
  select * from unnest(
    array['Bamboo', 'Steel', 'Cotton', 'Leather', 'Ceramic', 'Glass', 'Oak', 'Wool', 'Aluminium', 'Recycled'],
    array[0.9, 1.3, 0.8, 1.8, 1.1, 1.0, 1.5, 1.4, 1.2, 0.7]
  ) with ordinality
),
products(word, cost, weight, n) as (
  select * from unnest(
    array['Water Bottle', 'Backpack', 'Desk Lamp', 'Notebook', 'Coffee Mug', 'Cutting Board', 'Phone Stand', 'Wallet',
          'Throw Blanket', 'Plant Pot', 'Serving Tray', 'Lunch Box', 'Picture Frame', 'Tote Bag', 'Wall Clock',
          'Pen Holder', 'Storage Box', 'Bookend Set', 'Candle Holder', 'Travel Pouch', 'Chopping Knife', 'Tea Kettle',
          'Laptop Sleeve', 'Yoga Mat', 'Bath Towel', 'Salad Bowl', 'Key Ring', 'Desk Organiser', 'Umbrella', 'Slippers'],
    array[18.00, 59.00, 45.00, 6.50, 12.00, 24.00, 15.00, 35.00, 49.00, 14.00, 22.00, 16.00, 19.00, 21.00, 39.00,
          9.00, 27.00, 29.00, 17.00, 13.00, 55.00, 42.00, 33.00, 38.00, 26.00, 23.00, 5.00, 31.00, 28.00, 19.00],
    array[0.350, 0.900, 1.400, 0.300, 0.400, 1.200, 0.200, 0.150, 1.100, 0.800, 0.900, 0.450, 0.500, 0.300, 1.000,
          0.250, 1.500, 1.300, 0.400, 0.150, 0.300, 1.200, 0.350, 1.800, 0.600, 0.700, 0.050, 0.800, 0.450, 0.400]
  ) with ordinality
),
-- 20 x 10 x 30 = 6,000 names; g -> (g * 7919) mod 6000 visits them in a scrambled order, each once.
picks as (
  select g, (g * 7919) % 6000 as k from generate_series(1, least($1::integer, 6000)) g
),
catalogue as (
  select c.g, format('%s %s %s', a.word, m.word, p.word) as name,
         round(p.cost * m.factor * (0.75 + random() * 0.5)::numeric, 2) as cost,
         round(p.weight * (0.8 + random() * 0.4)::numeric, 3) as weight,
         c.g % 50 = 0 as retired,
         now() - interval '1000 days' + random() * interval '200 days' as created_at
  from picks c
  join adjectives a on a.n = 1 + c.k % 20
  join materials m on m.n = 1 + (c.k / 20) % 10
  join products p on p.n = 1 + c.k / 200
)
insert into commerce.items (item_name, item_cost, item_weight, deleted_at, created_at, updated_at)
select c.name, c.cost, c.weight,
       case when c.retired then now() - random() * interval '300 days' end,
       c.created_at, c.created_at
from catalogue c
where not exists (select 1 from commerce.items i where lower(i.item_name) = lower(c.name))
order by c.g
