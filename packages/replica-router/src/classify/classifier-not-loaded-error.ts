/**
 * Thrown by `StatementClassifier.classify` when it is called before `loadClassifierParser()` resolved.
 * The PostgreSQL parser is WebAssembly and loads asynchronously; classification itself is synchronous, so
 * the parser has to be loaded once at start-up.
 *
 * @example
 * ```ts
 * await loadClassifierParser();
 * const classifier = createStatementClassifier();
 * ```
 */
export class ClassifierNotLoadedError extends Error {
  readonly code = 'RR_ERR_CLASSIFIER_NOT_LOADED';

  constructor() {
    super('the SQL parser is not loaded: await loadClassifierParser() before classifying statements');
    this.name = 'ClassifierNotLoadedError';
  }
}
