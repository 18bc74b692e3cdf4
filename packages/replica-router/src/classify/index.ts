export type { Classification, StatementVerdict } from './classification.ts';
export { ClassifierNotLoadedError } from './classifier-not-loaded-error.ts';
export { readOnlyFunctions } from './read-only-functions.ts';
export {
  createStatementClassifier,
  loadClassifierParser,
  type StatementClassifier,
  type StatementClassifierOptions,
} from './statement-classifier.ts';
