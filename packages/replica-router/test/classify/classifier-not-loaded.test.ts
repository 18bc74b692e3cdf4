// Its own file, so its own process: the parser must not have been loaded by any other test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ClassifierNotLoadedError,
  createStatementClassifier,
  loadClassifierParser,
} from '../../src/classify/index.ts';

test('classify before loadClassifierParser throws ClassifierNotLoadedError, then works once loaded', async () => {
  const classifier = createStatementClassifier();
  assert.throws(
    () => classifier.classify('SELECT 1'),
    (error: unknown) =>
      error instanceof ClassifierNotLoadedError &&
      error.code === 'RR_ERR_CLASSIFIER_NOT_LOADED' &&
      error.name === 'ClassifierNotLoadedError' &&
      /loadClassifierParser/.test(error.message),
  );
  assert.equal(classifier.cacheMisses, 0);
  await loadClassifierParser();
  assert.equal(classifier.classify('SELECT 1').verdict, 'read');
});
