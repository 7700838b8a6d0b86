// Personal tags taken out of a TIFF structure (an EXIF block, a PNG's eXIf, a WebP's EXIF, a whole
// TIFF file) IN PLACE: each IFD loses its personal entries (the later ones move up, the count goes
// down) and the bytes those entries pointed at are zeroed. Nothing else moves, so every other
// offset (the MakerNote's own, a TIFF's strips, the thumbnail) stays right and the block keeps its
// length: the container around it needs no rewrite.
//
// No library was used: piexifjs (the one EXIF writer on npm that runs in Node without a binary)
// rebuilds the whole block from the tags it knows, moving everything (which breaks MakerNotes'
// offsets and drops unknown tags), and has not been released since 2019; exif-be-gone and
// exifremove only remove all of EXIF, orientation included.

/** Tags that say where, or whose: removed from every IFD they appear in. */
const personalTags = new Set([
  0x013b, // Artist
  0x02bc, // XMP packet (TIFF files): may repeat the position and the owner
  0x83bb, // IPTC: by-line, city, …
  0x8649, // Photoshop resources, which carry IPTC
  0x8825, // GPS IFD pointer: the position
  0x927c, // MakerNote: vendors keep serial numbers there
  0x9c9d, // XPAuthor (Windows)
  0xa430, // CameraOwnerName
  0xa431, // BodySerialNumber
  0xa435, // LensSerialNumber
  0xc62f, // CameraSerialNumber (DNG)
  0xfde8, // OwnerName (Adobe)
  0xfde9, // SerialNumber (Adobe)
]);
const gpsPointer = 0x8825;
const exifPointer = 0x8769;

// Bytes per value of each TIFF type (1 BYTE … 13 IFD); 0 for the types that do not exist.
const typeSize = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];

/** The block does not hold together: the caller drops it whole rather than pass it on. */
export class UnreadableTiff extends Error {}

type Entry = { tag: number; bytes: Buffer; valueAt: number | null; valueLength: number };

/** Removes the personal tags from `tiff` (starting at its "II"/"MM" header), changing it in place. */
export function scrubTiff(tiff: Buffer): void {
  const io = reader(tiff);
  const visited = new Set<number>();
  let next = io.u32(4);
  // IFD0 and the IFDs chained after it (a TIFF's pages, EXIF's thumbnail), each with its Exif IFD.
  while (next !== 0) {
    if (visited.has(next) || visited.size > 64) throw new UnreadableTiff('the IFDs loop');
    visited.add(next);
    const entries = readIfd(io, next);
    const exif = entries.find((e) => e.tag === exifPointer);
    if (exif) {
      const at = io.u32At(exif.bytes, 8);
      if (!visited.has(at)) {
        visited.add(at);
        rewriteIfd(io, at, readIfd(io, at));
      }
    }
    next = rewriteIfd(io, next, entries);
  }
}

/** Writes the IFD back without its personal entries; returns the offset of the next IFD. */
function rewriteIfd(io: Reader, at: number, entries: Entry[]): number {
  const next = io.u32(at + 2 + entries.length * 12);
  const kept = entries.filter((e) => !personalTags.has(e.tag));
  for (const gone of entries.filter((e) => personalTags.has(e.tag))) {
    if (gone.tag === gpsPointer) zeroIfd(io, io.u32At(gone.bytes, 8));
    zeroValue(io, gone);
  }
  const end = at + 2 + entries.length * 12 + 4;
  io.setU16(at, kept.length);
  kept.forEach((entry, i) => {
    entry.bytes.copy(io.buffer, at + 2 + i * 12);
  });
  io.setU32(at + 2 + kept.length * 12, next);
  io.buffer.fill(0, at + 2 + kept.length * 12 + 4, end);
  return next;
}

/** Zeroes a whole IFD (the GPS one): its table and every value it points at. */
function zeroIfd(io: Reader, at: number): void {
  let entries: Entry[];
  try {
    entries = readIfd(io, at);
  } catch {
    return; // a pointer to nowhere: removing it is all there is to do
  }
  for (const entry of entries) zeroValue(io, entry);
  io.buffer.fill(0, at, at + 2 + entries.length * 12 + 4);
}

function zeroValue(io: Reader, entry: Entry): void {
  if (entry.valueAt !== null) io.buffer.fill(0, entry.valueAt, entry.valueAt + entry.valueLength);
}

function readIfd(io: Reader, at: number): Entry[] {
  if (at < 8 || at + 2 > io.buffer.length) throw new UnreadableTiff('an IFD outside the block');
  const count = io.u16(at);
  if (at + 2 + count * 12 + 4 > io.buffer.length) throw new UnreadableTiff('a truncated IFD');
  return Array.from({ length: count }, (_, i) => {
    const bytes = Buffer.from(io.buffer.subarray(at + 2 + i * 12, at + 14 + i * 12));
    const tag = io.u16At(bytes, 0);
    const size = typeSize[io.u16At(bytes, 2)] ?? 0;
    const valueLength = size * io.u32At(bytes, 4);
    if (size === 0 && personalTags.has(tag)) throw new UnreadableTiff('a value of no known type');
    const valueAt = valueLength > 4 ? io.u32At(bytes, 8) : null;
    // A personal value outside the block has nothing here to zero.
    const inside = valueAt !== null && valueAt + valueLength <= io.buffer.length;
    return { tag, bytes, valueAt: inside ? valueAt : null, valueLength };
  });
}

type Reader = ReturnType<typeof reader>;

function reader(buffer: Buffer) {
  if (buffer.length < 8) throw new UnreadableTiff('too short');
  const order = buffer.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') throw new UnreadableTiff('no byte order mark');
  const big = order === 'MM';
  const u16At = (b: Buffer, at: number) => (big ? b.readUInt16BE(at) : b.readUInt16LE(at));
  const u32At = (b: Buffer, at: number) => (big ? b.readUInt32BE(at) : b.readUInt32LE(at));
  if (u16At(buffer, 2) !== 42) throw new UnreadableTiff('not a TIFF header');
  return {
    buffer,
    u16At,
    u32At,
    u16: (at: number) => u16At(buffer, at),
    u32: (at: number) => u32At(buffer, at),
    setU16: (at: number, value: number) =>
      big ? buffer.writeUInt16BE(value, at) : buffer.writeUInt16LE(value, at),
    setU32: (at: number, value: number) =>
      big ? buffer.writeUInt32BE(value, at) : buffer.writeUInt32LE(value, at),
  };
}
