// A one-line progress bar on stderr when it is a terminal, redrawn in place (a count alone when
// the total is not known); silent otherwise, so what a command prints stays clean for scripts.
import path from 'node:path';

export function progressLine(
  total: number | undefined,
  stream: NodeJS.WriteStream = process.stderr,
) {
  const width = 24;
  return {
    update(done: number, current: string) {
      if (!stream.isTTY) return;
      const name = path.basename(current).slice(0, 40);
      if (total === undefined) {
        stream.write(`\r${done} ${name}\x1b[K`);
        return;
      }
      const filled = Math.round((done / Math.max(1, total)) * width);
      stream.write(
        `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${name}\x1b[K`,
      );
    },
    clear() {
      if (stream.isTTY) stream.write('\r\x1b[K');
    },
  };
}
