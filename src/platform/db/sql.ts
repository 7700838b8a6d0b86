import { readFileSync } from 'node:fs';

const cache = new Map<string, string>();

/** The text of a `.sql` file next to the calling module: `sql(import.meta.url, 'queries/x.sql')`. */
export function sql(base: string, relative: string): string {
  const url = new URL(relative, base);
  const key = url.href;
  let text = cache.get(key);
  if (text === undefined) {
    text = readFileSync(url, 'utf8');
    cache.set(key, text);
  }
  return text;
}
