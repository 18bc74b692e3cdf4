#!/usr/bin/env node
// The `pg-devcluster` command. An installed package runs the compiled CLI. In a checkout of the
// repository (src/ is there; it is never packed) it runs the TypeScript sources through tsx instead,
// so `npx pg-devcluster` needs no build and never runs a stale one.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/cli/main.js');
}
