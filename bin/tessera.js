#!/usr/bin/env node
// The `tessera` command. Node 24 runs the TypeScript sources as they are.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `tessera needs Node.js 24 or later (this is ${process.version}). Run it through npm (npx tessera, npm start), which uses the pinned Node from devDependencies.`,
  );
  process.exit(1);
}
// Compiled modules (and the TypeScript stripped of its types) kept on disk between runs: a command
// starts in half the time once it has run before. Nothing is cached if the directory is not
// writable, and a changed source is compiled again.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
await import('../src/cli.ts');
