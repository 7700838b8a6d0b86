-- Images the stream stored from a topic lately: $1 the topic, $2 how far back (an interval).
select count(*)::integer as stored,
       coalesce(sum(bytes), 0)::bigint as bytes
  from images.images
 where source = 'stream'
   and stream_topic = $1
   and created_at > now() - $2::interval;
