import type pg from 'pg';
import type { DiscoveryOptions } from '../discover/dns-discovery.ts';
import { RouterConfigError } from '../errors.ts';
import { MAX_REPLICA_WEIGHT, type ReplicaSelector } from '../select/replica-selector.ts';
import { createSelector, isSelectorName, selectorNames } from '../select/selector-name.ts';
import { toPoolConfig } from './connection-config.ts';
import type { ReplicaSpec } from './replica-set.ts';
import type { RoutedPoolOptions } from './routed-pool-options.ts';

/** What the replica set is built from: listed replicas, or discovery with its connection template. */
export interface ReplicaPlan {
  readonly specs: readonly ReplicaSpec[];
  readonly discovery: { readonly options: DiscoveryOptions; readonly template: pg.PoolConfig } | undefined;
  readonly selector: ReplicaSelector;
}

/**
 * Validates the fleet options (weights aligned with the replicas, a known selector, discovery not mixed with a
 * list) and builds each replica's pool config with `extra` (size, timeouts). Undefined when routing is off.
 * Errors name the option, never a value (URLs may carry passwords).
 */
export function planReplicas(
  options: RoutedPoolOptions,
  primary: pg.PoolConfig,
  extra: pg.PoolConfig,
): ReplicaPlan | undefined {
  const listed = options.replicas ?? [];
  const weights = options.replicaWeights;
  const discovery = options.discovery;
  if (discovery && listed.length > 0) {
    throw new RouterConfigError('discovery', 'cannot be combined with a list of replicas');
  }
  if (listed.length === 0 && !discovery) return undefined;
  if (weights !== undefined) {
    if (discovery)
      throw new RouterConfigError('replicaWeights', 'applies to listed replicas, not to discovery');
    if (weights.length !== listed.length) {
      throw new RouterConfigError(
        'replicaWeights',
        `has ${weights.length} entries for ${listed.length} replicas; give one per replica, in the same order`,
      );
    }
    if (!weights.every((w) => Number.isInteger(w) && w >= 1 && w <= MAX_REPLICA_WEIGHT)) {
      throw new RouterConfigError('replicaWeights', `must be integers from 1 to ${MAX_REPLICA_WEIGHT}`);
    }
  }
  return {
    specs: listed.map((source, i) => {
      const weight = weights?.[i] ?? 1;
      if (isPool(source)) return { config: givenPoolConfig(source), pool: source, weight };
      return { config: toPoolConfig(source, extra), weight };
    }),
    discovery: discovery ? discoveryPlan(discovery, primary, extra) : undefined,
    selector: selectorOf(options.selector),
  };
}

/** A pg.Pool (of this pg or another copy of it), told from a config by its methods. */
function isPool(source: string | pg.PoolConfig | pg.Pool): source is pg.Pool {
  return typeof source === 'object' && typeof (source as Partial<pg.Pool>).connect === 'function';
}

/**
 * Where a pool the application gave connects, for the probes, events and stats: its options, with the password
 * pg-pool keeps out of their enumerable fields (the probes log in with it; it is never shown).
 */
function givenPoolConfig(pool: pg.Pool): pg.PoolConfig {
  const options = pool.options as pg.PoolConfig;
  const config: pg.PoolConfig = { ...options };
  if (options.password !== undefined) config.password = options.password;
  return toPoolConfig(config, {});
}

function discoveryPlan(
  discovery: NonNullable<RoutedPoolOptions['discovery']>,
  primary: pg.PoolConfig,
  extra: pg.PoolConfig,
): NonNullable<ReplicaPlan['discovery']> {
  const { connection, ...options } = discovery;
  if (typeof options.host !== 'string' || options.host.trim() === '') {
    throw new RouterConfigError('discovery.host', 'must be a DNS name or an IP address');
  }
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65_535) {
    throw new RouterConfigError('discovery.port', 'must be an integer from 1 to 65535');
  }
  const interval = options.intervalMs;
  if (interval !== undefined && (!Number.isInteger(interval) || interval < 100)) {
    throw new RouterConfigError('discovery.intervalMs', 'must be an integer of at least 100');
  }
  // The template's own host and port are replaced by each address and the discovery port.
  const template = connection === undefined ? { ...primary, ...extra } : toPoolConfig(connection, extra);
  return { options, template };
}

function selectorOf(selector: RoutedPoolOptions['selector']): ReplicaSelector {
  if (selector === undefined) return createSelector('round_robin');
  if (typeof selector === 'string') {
    if (!isSelectorName(selector)) {
      throw new RouterConfigError(
        'selector',
        `must be one of ${selectorNames.join(', ')} or a ReplicaSelector`,
      );
    }
    return createSelector(selector);
  }
  if (typeof selector?.select !== 'function' || typeof selector.name !== 'string') {
    throw new RouterConfigError('selector', 'must have a name and a select(candidates) function');
  }
  return selector;
}
