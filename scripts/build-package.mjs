#!/usr/bin/env node
/**
 * Builds the workspace package in the current directory for publishing: removes `dist/` (so a file
 * deleted from `src/` never ships from an old build), then compiles all of `src/` with the package's
 * tsconfig.build.json to ESM JavaScript, `.d.ts` declarations and source maps.
 * Usage (from a package folder, as its `build` script does): node ../../scripts/build-package.mjs
 * Plain JavaScript on purpose: it runs before anything is compiled and needs no loader.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync('dist', { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
