// The public surface of replica-router, as snapshots: adding, renaming or removing an export fails here,
// so the change is deliberate (and the docs and CHANGELOG.md follow; see the semver policy in README.md).
// Types vanish at run time; these are the values. The shipped declarations are checked by
// test/packaging (a strict TypeScript consumer of the packed tarball).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

test('the main entry exports exactly these values', async () => {
  assert.deepEqual(Object.keys(await import('../src/index.ts')).sort(), [
    'CAUSAL_TOKEN_COOKIE',
    'CAUSAL_TOKEN_HEADER',
    'ClassifierNotLoadedError',
    'DEFAULT_ALLOW_LIST',
    'RoutedPool',
    'RouterConfigError',
    'SAFE_METHODS',
    'booleanVariable',
    'consistencyLevels',
    'createReplicaRouter',
    'createStatementClassifier',
    'currentScope',
    'isFallbackError',
    'leastLagSelector',
    'leastOutstandingSelector',
    'loadClassifierParser',
    'readRouterConfig',
    'redactUrl',
    'replicaStateChannel',
    'roundRobinSelector',
    'routeChannel',
    'routerEnvironment',
    'routerErrorCodes',
    'runInReplicaScope',
    'selectorNames',
    'usePrimary',
    'withReplicaScope',
  ]);
});

test('the testing subpath exports exactly captureQueries', async () => {
  assert.deepEqual(Object.keys(await import('../src/testing/index.ts')).sort(), ['captureQueries']);
});

test('the status subpath exports exactly createRoutingHistory', async () => {
  assert.deepEqual(Object.keys(await import('../src/status/index.ts')).sort(), ['createRoutingHistory']);
});

test('the fastify subpath exports exactly readReplicaPlugin', async () => {
  assert.deepEqual(Object.keys(await import('../src/http/fastify.ts')).sort(), ['readReplicaPlugin']);
});

test('the express and hono subpaths export exactly readReplica', async () => {
  assert.deepEqual(Object.keys(await import('../src/http/express.ts')).sort(), ['readReplica']);
  assert.deepEqual(Object.keys(await import('../src/http/hono.ts')).sort(), ['readReplica']);
});

test('the http subpath exports exactly withReplicaScope, the one the main entry exports', async () => {
  const http = await import('../src/http/with-replica-scope.ts');
  assert.deepEqual(Object.keys(http).sort(), ['withReplicaScope']);
  assert.equal(http.withReplicaScope, (await import('../src/index.ts')).withReplicaScope);
});

test('package.json maps each subpath to its source, its declarations and its JavaScript', () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as {
    exports: Record<string, unknown>;
  };
  const entry = (file: string) => ({
    '@perfherder/source': `./src/${file}.ts`,
    types: `./dist/${file}.d.ts`,
    default: `./dist/${file}.js`,
  });
  assert.deepEqual(pkg.exports, {
    '.': entry('index'),
    './fastify': entry('http/fastify'),
    './express': entry('http/express'),
    './hono': entry('http/hono'),
    './http': entry('http/with-replica-scope'),
    './testing': entry('testing/index'),
    './status': entry('status/index'),
    './package.json': './package.json',
  });
});
