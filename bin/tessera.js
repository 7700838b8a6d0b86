#!/usr/bin/env node
// The `tessera` command. Node 24 runs the TypeScript sources as they are.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `tessera needs Node.js 24 or later (this is ${process.version}). Run it through npm (npx tessera, npm start), which uses the pinned Node from devDependencies.`,
  );
  process.exit(1);
}
await import('../src/cli.ts');
