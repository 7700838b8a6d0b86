-- $1 image id … one row of images.images from a JSON object of its columns ($1).
insert into images.images (
  image_id, owner_id, source, sha256, format, bytes, width, height, colour_space, has_alpha, bit_depth, pages,
  camera_make, camera_model, lens, taken_at, iso, exposure, focal_length, dominant_colour, thumbhash,
  perceptual_hash, original_name, gps_latitude, gps_longitude, stream_topic, stream_partition, stream_offset,
  created_at, expires_at
)
select image_id, owner_id, source, sha256, format, bytes, width, height, colour_space, has_alpha, bit_depth, pages,
       camera_make, camera_model, lens, taken_at, iso, exposure, focal_length, dominant_colour, thumbhash,
       perceptual_hash, original_name, gps_latitude, gps_longitude, stream_topic, stream_partition, stream_offset,
       now(), now() + make_interval(secs => $2::double precision / 1000)
from jsonb_populate_record(null::images.images, $1::jsonb)
