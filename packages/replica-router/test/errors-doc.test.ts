// docs/errors.md lists every code of the error registry under `## replica-router`, and nothing else.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ClassifierNotLoadedError, RouterConfigError, routerErrorCodes } from '../src/index.ts';

const doc = readFileSync(join(import.meta.dirname, '../../../docs/errors.md'), 'utf8');

/** The `## replica-router` section: from its heading to the next `## ` heading or the end. */
function section(markdown: string, heading: string): string {
  const start = markdown.search(new RegExp(`^## ${heading}$`, 'm'));
  assert.notEqual(start, -1, `docs/errors.md has no "## ${heading}" heading`);
  const body = markdown.slice(start + heading.length + 3);
  const next = body.search(/^## /m);
  return next === -1 ? body : body.slice(0, next);
}

/** The code of each table row (first cell), e.g. `RR_ERR_CONFIG`. */
function rowCodes(markdown: string): string[] {
  return [...markdown.matchAll(/^\|\s*`([A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]!);
}

describe('docs/errors.md ## replica-router', () => {
  const rows = section(doc, 'replica-router');

  test('has one table row for each code of routerErrorCodes', () => {
    const codes = rowCodes(rows);
    for (const code of routerErrorCodes) assert.ok(codes.includes(code), `${code} is not documented`);
    assert.equal(new Set(codes).size, codes.length, 'a code is listed twice');
  });

  test('every RR_ERR_ code the page mentions, anywhere, is in the registry', () => {
    const mentioned = new Set(doc.match(/RR_ERR_[A-Z0-9_]+/g) ?? []);
    assert.ok(mentioned.size > 0);
    for (const code of mentioned) {
      assert.ok(
        (routerErrorCodes as readonly string[]).includes(code),
        `${code} is documented but not registered`,
      );
    }
  });

  test('each row says when it happens and what to do', () => {
    for (const line of rows.split('\n').filter((l) => /^\|\s*`RR_ERR_/.test(l))) {
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      assert.equal(cells.length, 4, line);
      for (const cell of cells) assert.ok(cell.length > 0, `empty cell in ${line}`);
    }
  });

  test('no replica-router code sits in another package’s section', () => {
    for (const other of doc.split(/^## /m).slice(1)) {
      if (other.startsWith('replica-router')) continue;
      assert.deepEqual(
        rowCodes(other).filter((c) => c.startsWith('RR_ERR_')),
        [],
      );
    }
  });
});

describe('the registry matches the error classes', () => {
  test('every class has its registered code, and every registered code has a class', () => {
    const classes = [new RouterConfigError('READ_REPLICA_ENABLED', 'x'), new ClassifierNotLoadedError()];
    const codes = classes.map((e) => e.code);
    assert.deepEqual([...codes].sort(), [...routerErrorCodes].sort());
    for (const e of classes) {
      assert.ok(e instanceof Error);
      assert.match(e.code, /^RR_ERR_[A-Z_]+$/);
      assert.notEqual(e.name, 'Error', 'each class names itself');
    }
  });

  test('RouterConfigError keeps its cause and names the variable in the message', () => {
    const cause = new Error('inner');
    const e = new RouterConfigError('DATABASE_POOL_MAX', 'must be an integer', { cause });
    assert.equal(e.cause, cause);
    assert.equal(e.variable, 'DATABASE_POOL_MAX');
    assert.match(e.message, /^DATABASE_POOL_MAX: /);
  });
});
