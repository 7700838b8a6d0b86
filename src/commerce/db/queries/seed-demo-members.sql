-- Demo members: $1 (at most 1,048,575) people, only when there are no members at all. Ids are
-- `<last name>_<5 hex digits>`, the hex digits a scramble of the row number (unique); emails carry
-- the row number (unique); mobiles are 8 digits. Everyone joined 2 to 4 years ago, before any
-- demo transaction. Triggers on (audited).
with firsts(word, n) as (
  select * from unnest(array[
    'Wei', 'Mei', 'Jun', 'Hui', 'Siti', 'Aisyah', 'Arjun', 'Priya', 'Rahul', 'Kavya', 'Daniel', 'Sarah', 'James',
    'Emily', 'Marcus', 'Chloe', 'Ethan', 'Grace', 'Ryan', 'Olivia', 'Farid', 'Nurul', 'Hafiz', 'Amira', 'Kenji',
    'Yuki', 'Minh', 'Linh', 'Joshua', 'Rachel', 'Aaron', 'Hannah', 'Isaac', 'Natalie', 'Vikram', 'Ananya', 'Zhi Hao',
    'Xin Yi', 'Benjamin', 'Sophia'
  ]) with ordinality
),
lasts(word, n) as (
  select * from unnest(array[
    'Tan', 'Lim', 'Lee', 'Ng', 'Wong', 'Chan', 'Goh', 'Chua', 'Koh', 'Teo', 'Ong', 'Ho', 'Yeo', 'Sim', 'Low',
    'Kumar', 'Singh', 'Nair', 'Pillai', 'Rahman', 'Ismail', 'Hassan', 'Abdullah', 'Smith', 'Brown', 'Taylor',
    'Wilson', 'Nguyen', 'Tanaka', 'Sato', 'Fernandez', 'Santos', 'Cruz', 'Reyes', 'Menon', 'Iyer', 'Chong',
    'Loh', 'Foo', 'Quek'
  ]) with ordinality
),
people as (
  select g, f.word as first_name, l.word as last_name,
         now() - interval '730 days' - random() * interval '730 days' as joined
  from generate_series(1, $1::integer) g
  join firsts f on f.n = 1 + g % 40
  join lasts l on l.n = 1 + (g * 7 + g / 40) % 40
  where not exists (select 1 from commerce.memberships)
)
insert into commerce.memberships
  (membership_id, first_name, last_name, email, date_of_birth, mobile_no, created_at, updated_at)
select p.last_name || '_' || lpad(to_hex((p.g::bigint * 7919) % 1048576), 5, '0'),
       p.first_name,
       p.last_name,
       format('%s.%s.%s@%s', replace(lower(p.first_name), ' ', ''), lower(p.last_name), p.g,
              (array['example.com', 'example.net', 'example.org'])[1 + p.g % 3]),
       date '1950-01-01' + floor(random() * 20000)::integer,
       (8 + floor(random() * 2))::integer::text || lpad(floor(random() * 10000000)::integer::text, 7, '0'),
       p.joined, p.joined
from people p
