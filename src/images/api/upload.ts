// An upload's body, collected in memory as it arrives (intake needs the whole file in memory
// anyway) and never written to disk: a crash leaves no byte of it behind. The limit is enforced as
// the bytes come, so an oversized upload is cut off early.

/** The bytes of `source`, or `tooLarge()` thrown as soon as more than `maxBytes` have come. */
export async function readAtMost(
  source: AsyncIterable<Buffer>,
  maxBytes: number,
  tooLarge: () => unknown,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let seen = 0;
  // Leaving the loop early (the throw) destroys the source: nothing more is read.
  for await (const chunk of source) {
    seen += chunk.length;
    if (seen > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, seen);
}
