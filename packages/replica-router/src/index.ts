export type { Classification, StatementVerdict } from './classify/classification.ts';
export {
  createStatementClassifier,
  loadClassifierParser,
  type StatementClassifier,
} from './classify/statement-classifier.ts';
export { redactUrl } from './config/redact-url.ts';
export { type RouterConfig, readRouterConfig, routerEnvironment } from './config/router-config.ts';
export {
  ClassifierNotLoadedError,
  RouterConfigError,
  routerErrorCodes,
} from './errors.ts';
export { type NodeRef, type RouteEvent, routeChannel } from './events/route-event.ts';
export { SAFE_METHODS } from './http/safe-methods.ts';
export { withReplicaScope } from './http/with-replica-scope.ts';
export { isFallbackError } from './pool/fallback-error.ts';
export type {
  ReadOnlyClient,
  ReadOnlyIsolation,
  ReadOnlyTransactionOptions,
} from './pool/read-only-transaction.ts';
export type { ReplicaMemberState } from './pool/replica-set.ts';
export type { RoutedClient } from './pool/routed-client.ts';
export { RoutedPool, type RoutedPoolOptions, type RoutedPoolStats } from './pool/routed-pool.ts';
export type { ReasonCounts } from './pool/statement-dispatcher.ts';
export {
  createReplicaRouter,
  DEFAULT_ALLOW_LIST,
  type ReplicaRouter,
  type ReplicaRouterOptions,
} from './router/replica-router.ts';
export type { Alias, RouteReason } from './router/route-reason.ts';
export {
  currentScope,
  type RequestScope,
  type RouterLogger,
  runInReplicaScope,
  type ScopeInfo,
  usePrimary,
} from './scope/request-scope.ts';
