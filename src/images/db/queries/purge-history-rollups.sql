-- Rollup days (UTC) wholly older than the analytics retention. $1 retention (ms).
delete from images.daily_facts
where day < ((now() - $1::bigint * interval '1 millisecond') at time zone 'UTC')::date
