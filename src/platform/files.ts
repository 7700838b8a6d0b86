import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** The files named, folders walked (hidden entries left out), in a stable order. */
export async function listFiles(targets: string[]): Promise<string[]> {
  return (await Promise.all(targets.map(expand))).flat();
}

async function expand(target: string): Promise<string[]> {
  const info = await stat(target).catch(() => null);
  if (!info?.isDirectory()) return [target];
  const entries = await readdir(target, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .filter((e) => !e.name.startsWith('.'))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) => expand(path.join(target, e.name))),
  );
  return nested.flat();
}
