// The public surface of replica-router, as snapshots: adding, renaming or removing an export fails here,
// so the change is deliberate (and the docs follow). Types vanish at run time; these are the values.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

test('the main entry exports exactly these values', async () => {
  assert.deepEqual(Object.keys(await import('../src/index.ts')).sort(), [
    'ClassifierNotLoadedError',
    'DEFAULT_ALLOW_LIST',
    'RoutedPool',
    'RouterConfigError',
    'SAFE_METHODS',
    'createReplicaRouter',
    'createStatementClassifier',
    'currentScope',
    'isFallbackError',
    'loadClassifierParser',
    'readRouterConfig',
    'redactUrl',
    'routeChannel',
    'routerEnvironment',
    'routerErrorCodes',
    'runInReplicaScope',
    'usePrimary',
    'withReplicaScope',
  ]);
});

test('the testing subpath exports exactly captureQueries', async () => {
  assert.deepEqual(Object.keys(await import('../src/testing/index.ts')).sort(), ['captureQueries']);
});

test('the fastify subpath exports exactly readReplicaPlugin', async () => {
  assert.deepEqual(Object.keys(await import('../src/http/fastify.ts')).sort(), ['readReplicaPlugin']);
});

test('package.json maps the subpaths to those files', () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as {
    exports: Record<string, string>;
  };
  assert.deepEqual(pkg.exports, {
    '.': './src/index.ts',
    './fastify': './src/http/fastify.ts',
    './testing': './src/testing/index.ts',
  });
});
