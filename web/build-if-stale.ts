// Builds the browser UI before `npm start` when its sources are newer than the last build, so a
// fresh clone starts with one command and later starts do not wait for Vite.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const app = fileURLToPath(new URL('./portal/', import.meta.url));
const built = path.join(app, 'dist', 'index.html');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

if (!existsSync(built) || newest(app) > statSync(built).mtimeMs) {
  console.log('Building the portal UI…');
  execFileSync(
    process.execPath,
    [path.resolve('node_modules/vite/bin/vite.js'), 'build', app, '--logLevel', 'error'],
    { stdio: 'inherit' },
  );
}
