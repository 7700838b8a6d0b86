// Builds the browser UIs before `npm start` when their sources are newer than their last build, so
// a fresh clone starts with one command and later starts do not wait for Vite. With app names as
// arguments (`node web/build-if-stale.ts upload`) only those are considered.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const apps = { portal: 'the portal UI', upload: 'the upload app' } as const;
type AppName = keyof typeof apps;

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in apps));
if (unknown.length > 0) {
  console.error(
    `No such web app: ${unknown.join(', ')} (there are ${Object.keys(apps).join(', ')}).`,
  );
  process.exit(2);
}

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

for (const name of (asked.length > 0 ? asked : Object.keys(apps)) as AppName[]) {
  const app = fileURLToPath(new URL(`./${name}/`, import.meta.url));
  const built = path.join(app, 'dist', 'index.html');
  // web/shared holds components both apps build in (the SQL editor).
  const sources = Math.max(
    newest(app),
    newest(fileURLToPath(new URL('./shared/', import.meta.url))),
  );
  if (existsSync(built) && sources <= statSync(built).mtimeMs) continue;
  console.log(`Building ${apps[name]}…`);
  execFileSync(
    process.execPath,
    [path.resolve('node_modules/vite/bin/vite.js'), 'build', app, '--logLevel', 'error'],
    { stdio: 'inherit' },
  );
}
