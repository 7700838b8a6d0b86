// What makes a drawn scene look like a camera's file to the intake benches: sensor-like grain
// (which brings the bytes to a camera's) and the EXIF a camera writes.
import type { ExifOptions } from '../../test/helpers/images.ts';

/** Mid-grey with seeded grain, mostly in brightness, a little in colour (xorshift32: fast). */
export function grainLayer(width: number, height: number): Buffer {
  const out = Buffer.alloc(width * height * 3);
  let state = 0x2545f491;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const amplitude = 40;
  for (let at = 0; at < out.length; at += 3) {
    const light = (next() + next() - 1) * amplitude;
    // 128 ± 50 at most: always a byte.
    for (let c = 0; c < 3; c++) out[at + c] = 128 + light + (next() - 0.5) * amplitude * 0.5;
  }
  return out;
}

/** What a phone or camera writes; every fourth one held upright (orientation 6, turned 90°). */
export function cameraExif(index: number): ExifOptions {
  const day = String(1 + (index % 28)).padStart(2, '0');
  return {
    make: 'Canon',
    model: 'EOS R6',
    lens: 'RF24-105mm F4 L IS USM',
    takenAt: `2025:06:${day} 14:${String(index % 60).padStart(2, '0')}:00`,
    offset: '+02:00',
    iso: 100 * (1 + (index % 8)),
    exposure: '1/250',
    focalLength: '50/1',
    gps: { latitude: 48.85 + index / 1000, longitude: 2.35 - index / 1000 },
    ...(index % 4 === 3 ? { orientation: 6 } : {}),
  };
}
