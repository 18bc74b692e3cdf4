export type { CausalToken, InvalidTokenReason } from './causal/causal-token.ts';
export { type ConsistencyLevel, consistencyLevels } from './causal/consistency-level.ts';
export type { Classification, StatementVerdict } from './classify/classification.ts';
export {
  createStatementClassifier,
  loadClassifierParser,
  type StatementClassifier,
} from './classify/statement-classifier.ts';
export type { DiscoveryConfig } from './config/fleet-config.ts';
export { booleanVariable } from './config/parse-boolean.ts';
export { redactUrl } from './config/redact-url.ts';
export {
  type RouterConfig,
  type RouterTunable,
  readRouterConfig,
  routerEnvironment,
} from './config/router-config.ts';
export type { SecretValue } from './config/secret-value.ts';
export type { DiscoveryOptions } from './discover/dns-discovery.ts';
export {
  ClassifierNotLoadedError,
  RouterConfigError,
  routerErrorCodes,
} from './errors.ts';
export { type NodeRef, type RouteEvent, routeChannel } from './events/route-event.ts';
export type { ReplicaHealthSnapshot } from './health/replica-health.ts';
export type { ReplicaState, ReplicaStateReason } from './health/replica-state.ts';
export { type ReplicaStateEvent, replicaStateChannel } from './health/replica-state-event.ts';
export type { HedgeStats, ReplicaHedgeStats } from './hedge/hedger.ts';
export { CAUSAL_TOKEN_COOKIE, CAUSAL_TOKEN_HEADER } from './http/causal-cookie.ts';
export { SAFE_METHODS } from './http/safe-methods.ts';
export { withReplicaScope } from './http/with-replica-scope.ts';
export type { RouterLogger } from './log/router-logger.ts';
export type { CausalTokenCounts, CausalTokens } from './pool/causal-tokens.ts';
export { isFallbackError } from './pool/fallback-error.ts';
export type {
  ReadOnlyClient,
  ReadOnlyIsolation,
  ReadOnlyTransactionOptions,
} from './pool/read-only-transaction.ts';
export type { CatchUpCounts } from './pool/replica-chooser.ts';
export type { DiscoveryState, ReplicaMemberState, ReplicaSource } from './pool/replica-set.ts';
export type { RoutedClient } from './pool/routed-client.ts';
export { RoutedPool, type RoutedPoolOptions, type RoutedPoolStats } from './pool/routed-pool.ts';
export {
  createReplicaRouter,
  DEFAULT_ALLOW_LIST,
  type ReplicaRouter,
  type ReplicaRouterOptions,
} from './router/replica-router.ts';
export type { Alias, ReasonCounts, RouteReason } from './router/route-reason.ts';
export {
  currentScope,
  type RequestScope,
  runInReplicaScope,
  type ScopeInfo,
  usePrimary,
} from './scope/request-scope.ts';
export { leastLagSelector } from './select/least-lag-selector.ts';
export { leastOutstandingSelector } from './select/least-outstanding-selector.ts';
export type { ReplicaCandidate, ReplicaSelector } from './select/replica-selector.ts';
export { roundRobinSelector } from './select/round-robin-selector.ts';
export { type SelectorName, selectorNames } from './select/selector-name.ts';
