import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { devClusterErrorCodes } from '../src/index.ts';

const docs = join(import.meta.dirname, '..', '..', '..', 'docs');
const doc = readFileSync(join(docs, 'errors.md'), 'utf8');
const registry = Object.values(devClusterErrorCodes);

/** The `## pg-devcluster` section: from its heading to the next `## ` heading or the end. */
function section(markdown: string, heading: string): string {
  const start = markdown.search(new RegExp(`^## ${heading}$`, 'm'));
  assert.notEqual(start, -1, `docs/errors.md has no "## ${heading}" heading`);
  const body = markdown.slice(markdown.indexOf('\n', start) + 1);
  const next = body.search(/^## /m);
  return next === -1 ? body : body.slice(0, next);
}

describe('docs/errors.md documents every pg-devcluster error code', () => {
  it('has unique codes of the form PGDC_ERR_…', () => {
    assert.equal(new Set(registry).size, registry.length);
    for (const code of registry) assert.match(code, /^PGDC_ERR_[A-Z_]+$/);
  });

  it('has a table row for each code of devClusterErrorCodes under ## pg-devcluster', () => {
    const rows = section(doc, 'pg-devcluster');
    // A row starts with the code in backticks (the formatter may pad the cell).
    const missing = registry.filter((code) => !new RegExp(`^\\|\\s*\`${code}\`\\s*\\|`, 'm').test(rows));
    assert.deepEqual(missing, [], 'add a row to docs/errors.md for each missing code');
  });

  for (const file of ['errors.md', 'dev-cluster.md']) {
    it(`docs/${file} mentions no PGDC_ERR_ code that the registry does not have`, () => {
      const text = readFileSync(join(docs, file), 'utf8');
      const mentioned = new Set(text.match(/PGDC_ERR_[A-Z_]+/g) ?? []);
      const unknown = [...mentioned].filter((code) => !(registry as string[]).includes(code));
      assert.deepEqual(unknown, [], `remove or rename these codes in docs/${file}`);
    });
  }
});
