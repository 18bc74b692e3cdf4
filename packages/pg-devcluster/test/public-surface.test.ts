// The public surface of pg-devcluster, as snapshots: adding, renaming or removing an export fails here,
// so the change is deliberate (and the docs and CHANGELOG.md follow; see the semver policy in README.md).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

test('the main entry exports exactly these values', async () => {
  assert.deepEqual(Object.keys(await import('../src/index.ts')).sort(), [
    'CLUSTER_URLS_ENV',
    'DevClusterError',
    'createTcpProxy',
    'createTestDatabase',
    'dataLocation',
    'devClusterErrorCodes',
    'resolvePostgresBinaries',
    'startCluster',
  ]);
});

test('package.json exposes the main entry and the pg-devcluster command only', () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as {
    exports: unknown;
    bin: unknown;
  };
  assert.deepEqual(pkg.exports, {
    '.': { '@perfherder/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
    './package.json': './package.json',
  });
  assert.deepEqual(pkg.bin, { 'pg-devcluster': 'bin/pg-devcluster.mjs' });
});
