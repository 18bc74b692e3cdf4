// Every PH_ERR_ code the service's source uses is documented under `## perfherder` in docs/errors.md,
// and the doc lists no code the source does not use.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { serviceErrorCodes } from '../../src/http/service-errors.ts';

const root = join(import.meta.dirname, '..', '..');
const doc = readFileSync(join(root, '..', '..', 'docs', 'errors.md'), 'utf8');
const section = doc.slice(doc.indexOf('## perfherder'));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const used = new Set(
  sources(join(root, 'src')).flatMap((f) => readFileSync(f, 'utf8').match(/PH_ERR_[A-Z_]+/g) ?? []),
);
const documented = new Set(section.match(/`(PH_ERR_[A-Z_]+)`/g)?.map((c) => c.slice(1, -1)) ?? []);

test('every code used in the source is documented', () => {
  assert.ok(section.startsWith('## perfherder'));
  assert.deepEqual([...used].filter((c) => !documented.has(c)).sort(), []);
});

test('every documented code is used in the source', () => {
  assert.deepEqual([...documented].filter((c) => !used.has(c)).sort(), []);
});

test('the HTTP registry is a subset of what is used and documented', () => {
  for (const code of serviceErrorCodes) assert.ok(documented.has(code), code);
});
