import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  type Classification,
  createStatementClassifier,
  loadClassifierParser,
  type StatementClassifier,
} from '../../src/classify/index.ts';
import { corpus } from './corpus.ts';

before(loadClassifierParser);

function classifierFor(readOnlyFunctions: readonly string[] | undefined): StatementClassifier {
  return createStatementClassifier(readOnlyFunctions === undefined ? {} : { readOnlyFunctions });
}

describe('corpus', () => {
  for (const c of corpus) {
    const config = c.readOnlyFunctions === undefined ? '' : ` [readOnlyFunctions: ${c.readOnlyFunctions}]`;
    test(`${c.verdict}: ${JSON.stringify(c.sql)}${config}`, () => {
      const result = classifierFor(c.readOnlyFunctions).classify(c.sql);
      assert.equal(result.verdict, c.verdict, `detail was: ${result.detail}`);
      if (c.tables !== undefined) assert.deepEqual(result.tables, c.tables);
      if (c.detail !== undefined) assert.equal(result.detail, c.detail);
      if (c.readOnly !== undefined) assert.equal(result.readOnly, c.readOnly);
      if (result.verdict !== 'begin') assert.equal('readOnly' in result, false);
      assert.ok(result.detail.length > 0);
    });
  }

  test('the corpus holds at least 100 statements', () => {
    assert.ok(corpus.length >= 100, `only ${corpus.length}`);
  });
});

describe('a writable CTE in front of any read makes it non-read', () => {
  const classifier = createStatementClassifier();
  const reads = corpus.filter((c) => c.verdict === 'read' && c.readOnlyFunctions === undefined);
  for (const c of reads) {
    test(JSON.stringify(c.sql), () => {
      const result = classifier.classify(`WITH w AS (DELETE FROM t RETURNING 1) ${c.sql}`);
      assert.notEqual(result.verdict, 'read', result.detail);
    });
  }
});

describe('hostile input', () => {
  const classifier = createStatementClassifier();

  test('a tree nested too deeply to walk is not read, and not a thrown stack overflow', () => {
    // nextval at the bottom: whether or not this stack is deep enough to walk it, it must not be 'read'
    const depth = 5000;
    for (const sql of [
      `SELECT ${'(SELECT '.repeat(depth)}nextval('s')${')'.repeat(depth)}`,
      `SELECT ${'abs('.repeat(depth)}nextval('s')${')'.repeat(depth)}`,
    ]) {
      const result = classifier.classify(sql);
      assert.ok(['unknown', 'write'].includes(result.verdict), result.detail);
    }
  });

  test('a huge IN list is still classified', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => i).join(',');
    assert.equal(classifier.classify(`SELECT * FROM t WHERE id IN (${ids})`).verdict, 'read');
    assert.equal(classifier.classify(`SELECT * FROM t WHERE id IN (${ids}, nextval('s'))`).verdict, 'write');
  });

  test('non-ASCII text and identifiers', () => {
    const result = classifier.classify(`SELECT '😀', '\uD800' FROM "täble"`);
    assert.equal(result.verdict, 'read');
    assert.deepEqual(result.tables, ['täble']);
  });
});

describe('results', () => {
  test('are frozen, tables included', () => {
    const result = createStatementClassifier().classify('SELECT * FROM t');
    assert.ok(Object.isFrozen(result));
    assert.ok(Object.isFrozen(result.tables));
  });

  test('a configured list does not leak into another classifier', () => {
    createStatementClassifier({ readOnlyFunctions: ['leaky'] });
    assert.equal(createStatementClassifier().classify('SELECT leaky()').verdict, 'write');
  });

  test('pg_catalog. in a configured name is the same as none', () => {
    const classifier = createStatementClassifier({ readOnlyFunctions: ['pg_catalog.my_func'] });
    assert.equal(classifier.classify('SELECT pg_catalog.my_func()').verdict, 'read');
    assert.equal(classifier.classify('SELECT my_func()').verdict, 'read');
  });
});

describe('cache', () => {
  test('counts hits and misses and returns the identical frozen object', () => {
    const classifier = createStatementClassifier();
    const first: Classification = classifier.classify('SELECT 1');
    assert.equal(classifier.cacheMisses, 1);
    assert.equal(classifier.cacheHits, 0);
    const second = classifier.classify('SELECT 1');
    assert.equal(second, first);
    assert.ok(Object.isFrozen(second));
    assert.equal(classifier.cacheHits, 1);
    assert.equal(classifier.cacheMisses, 1);
    assert.equal(classifier.cacheSize, 1);
  });

  test('keys on the exact text: different whitespace is a different entry', () => {
    const classifier = createStatementClassifier();
    classifier.classify('SELECT 1');
    classifier.classify('SELECT  1');
    assert.equal(classifier.cacheMisses, 2);
    assert.equal(classifier.cacheSize, 2);
  });

  test('is bounded by the entry cap', () => {
    const cap = 50;
    const classifier = createStatementClassifier({ cacheSize: cap });
    for (let i = 0; i < cap + 200; i++) classifier.classify(`SELECT ${i}`);
    assert.ok(classifier.cacheSize <= cap, `size ${classifier.cacheSize}`);
    assert.equal(classifier.cacheMisses, cap + 200);
    // the most recent entries survive
    classifier.classify(`SELECT ${cap + 199}`);
    assert.equal(classifier.cacheHits, 1);
  });

  test('is bounded by total SQL length below the entry cap', () => {
    const classifier = createStatementClassifier({ cacheSize: 5000 });
    const padding = ' '.repeat(60 * 1024);
    for (let i = 0; i < 300; i++) classifier.classify(`SELECT ${i}${padding}`);
    // 8 MiB of SQL text holds about 136 statements of 60 KiB, far below the 5000-entry cap
    assert.ok(classifier.cacheSize < 140, `size ${classifier.cacheSize}`);
    assert.ok(classifier.cacheSize > 0);
  });

  test('does not cache very long SQL', () => {
    const classifier = createStatementClassifier();
    const sql = `SELECT 1 ${'-'.repeat(70 * 1024)}\n`;
    const first = classifier.classify(sql);
    const second = classifier.classify(sql);
    assert.equal(first.verdict, 'read');
    assert.deepEqual(second, first);
    assert.equal(classifier.cacheSize, 0);
    assert.equal(classifier.cacheHits, 0);
    assert.equal(classifier.cacheMisses, 2);
  });

  test('cacheSize 0 disables the cache', () => {
    const classifier = createStatementClassifier({ cacheSize: 0 });
    classifier.classify('SELECT 1');
    classifier.classify('SELECT 1');
    assert.equal(classifier.cacheSize, 0);
    assert.equal(classifier.cacheMisses, 2);
  });

  test('rejects a cache size that is not a non-negative integer', () => {
    assert.throws(() => createStatementClassifier({ cacheSize: -1 }), RangeError);
    assert.throws(() => createStatementClassifier({ cacheSize: 1.5 }), RangeError);
    assert.throws(() => createStatementClassifier({ cacheSize: Number.NaN }), RangeError);
  });
});

describe('loadClassifierParser', () => {
  test('is idempotent', async () => {
    await Promise.all([loadClassifierParser(), loadClassifierParser()]);
    await loadClassifierParser();
    assert.equal(createStatementClassifier().classify('SELECT 1').verdict, 'read');
  });
});
