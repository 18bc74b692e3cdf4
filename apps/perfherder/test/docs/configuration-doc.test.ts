// The variable table of docs/configuration.md names exactly the environment variables the source reads:
// the router's (`routerEnvironment`), and every `env.NAME` (or `booleanVariable(env, 'NAME', …)`) in the
// service's and packages' sources.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { routerEnvironment } from 'replica-router';

const repo = join(import.meta.dirname, '..', '..', '..', '..');
const doc = readFileSync(join(repo, 'docs', 'configuration.md'), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const roots = [
  join(repo, 'apps', 'perfherder', 'src'),
  join(repo, 'packages', 'pg-devcluster', 'src'),
  join(repo, 'packages', 'replica-router', 'src'),
];
const read = new Set<string>(routerEnvironment);
for (const file of roots.flatMap(sources)) {
  for (const m of readFileSync(file, 'utf8').matchAll(
    /\benv(?:\.([A-Z][A-Z0-9_]+)|\[['"]([A-Z][A-Z0-9_]+)['"]\]|, ['"]([A-Z][A-Z0-9_]+)['"])/g,
  )) {
    read.add((m[1] ?? m[2] ?? m[3]) as string);
  }
}
const documented = new Set([...doc.matchAll(/^\| `([A-Z][A-Z0-9_]+)` +\|/gm)].map((m) => m[1] as string));

test('every environment variable the source reads is in the configuration table', () => {
  assert.ok(read.has('CORS_ALLOWED_ORIGINS') && read.has('DATABASE_URL'), 'the scan finds variables');
  assert.deepEqual([...read].filter((v) => !documented.has(v)).sort(), []);
});

test('the configuration table documents no variable the source does not read', () => {
  assert.deepEqual([...documented].filter((v) => !read.has(v)).sort(), []);
});
