import { z } from 'zod';
import { type ConsistencyLevel, consistencyLevels } from '../causal/consistency-level.ts';
import { MIN_SECRET_BYTES } from '../causal/token-codec.ts';
import { RouterConfigError } from '../errors.ts';
import type { SelectorName } from '../select/selector-name.ts';
import {
  type DiscoveryConfig,
  discoveryVariables,
  selectorVariable,
  weightsVariable,
} from './fleet-config.ts';
import { booleanVariable } from './parse-boolean.ts';
import { SecretValue } from './secret-value.ts';

/** Routing configuration, read from the environment (12-factor) by {@link readRouterConfig}. */
export interface RouterConfig {
  /** Primary URL (`DATABASE_URL`); undefined when unset (the service then boots its dev cluster). */
  readonly primaryUrl: string | undefined;
  /**
   * Replica URLs. Non-empty only when BOTH `READ_REPLICA_DATABASE_URL` is set and
   * `READ_REPLICA_ENABLED` is true: that is the kill switch. Empty means routing is a true no-op.
   */
  readonly replicaUrls: readonly string[];
  /** `READ_REPLICA_WEIGHTS`, aligned with `replicaUrls`; undefined = every replica weighs 1. */
  readonly replicaWeights: readonly number[] | undefined;
  /** `READ_REPLICA_SELECTOR`, default `round_robin`. */
  readonly selector: SelectorName;
  /**
   * `READ_REPLICA_DISCOVERY`: replicas found by DNS instead of listed (then `replicaUrls` is empty). Set only
   * when `READ_REPLICA_ENABLED` is true. `connectionUrl` is `READ_REPLICA_DATABASE_URL` when given (user,
   * password, database and parameters of every discovered replica; its host and port are not used);
   * undefined means the primary's.
   */
  readonly discovery: (DiscoveryConfig & { readonly connectionUrl: string | undefined }) | undefined;
  /** `READ_REPLICA_ENABLED` as given (false when unset). */
  readonly enabled: boolean;
  readonly poolMax: number;
  readonly connectTimeoutMs: number;
  readonly queryTimeoutMs: number;
  readonly classifierCacheSize: number;
  readonly probeMs: number;
  readonly probeTimeoutMs: number;
  readonly maxLagMs: number;
  readonly maxLagBytes: number;
  readonly readmitProbes: number;
  readonly tokenTtlMs: number;
  readonly catchUpWaitMs: number;
  readonly hedgeFloorMs: number;
  readonly hedgeCapMs: number;
  /** `READ_REPLICA_HEDGE_MS`: a fixed hedge delay, 0 = off; undefined (unset) = adaptive. */
  readonly hedgeMs: number | undefined;
  /** `READ_REPLICA_HEDGE_BUDGET`: share of a replica's statements that may be hedged. */
  readonly hedgeBudget: number;
  readonly discoveryIntervalMs: number;
  /** `READ_REPLICA_CONSISTENCY`, default `read_your_writes`. */
  readonly consistency: ConsistencyLevel;
  /** `READ_REPLICA_TOKEN_SECRET`, wrapped so it never prints; undefined when unset. */
  readonly tokenSecret: SecretValue | undefined;
}

/** The numeric fields of {@link RouterConfig}. */
export type RouterTunable =
  | 'poolMax'
  | 'connectTimeoutMs'
  | 'queryTimeoutMs'
  | 'classifierCacheSize'
  | 'probeMs'
  | 'probeTimeoutMs'
  | 'maxLagMs'
  | 'maxLagBytes'
  | 'readmitProbes'
  | 'tokenTtlMs'
  | 'catchUpWaitMs'
  | 'hedgeFloorMs'
  | 'hedgeCapMs'
  | 'discoveryIntervalMs';

/** Tunables: name, default, bounds. Units are in the names. Exported for the test that syncs the docs. */
export const routerTunables = {
  DATABASE_POOL_MAX: { key: 'poolMax', default: 10, min: 1, max: 1000 },
  READ_REPLICA_CONNECT_TIMEOUT_MS: { key: 'connectTimeoutMs', default: 2000, min: 50, max: 600_000 },
  READ_REPLICA_QUERY_TIMEOUT_MS: { key: 'queryTimeoutMs', default: 30_000, min: 100, max: 3_600_000 },
  READ_REPLICA_CLASSIFIER_CACHE_SIZE: { key: 'classifierCacheSize', default: 5000, min: 0, max: 1_000_000 },
  READ_REPLICA_PROBE_MS: { key: 'probeMs', default: 1000, min: 50, max: 600_000 },
  READ_REPLICA_PROBE_TIMEOUT_MS: { key: 'probeTimeoutMs', default: 1000, min: 50, max: 600_000 },
  READ_REPLICA_MAX_LAG_MS: { key: 'maxLagMs', default: 10_000, min: 0, max: 86_400_000 },
  READ_REPLICA_MAX_LAG_BYTES: { key: 'maxLagBytes', default: 16_777_216, min: 0, max: 1_099_511_627_776 },
  READ_REPLICA_READMIT_PROBES: { key: 'readmitProbes', default: 2, min: 1, max: 100 },
  READ_REPLICA_TOKEN_TTL_MS: { key: 'tokenTtlMs', default: 60_000, min: 1000, max: 604_800_000 },
  READ_REPLICA_CATCHUP_WAIT_MS: { key: 'catchUpWaitMs', default: 0, min: 0, max: 10_000 },
  READ_REPLICA_HEDGE_FLOOR_MS: { key: 'hedgeFloorMs', default: 20, min: 0, max: 60_000 },
  READ_REPLICA_HEDGE_CAP_MS: { key: 'hedgeCapMs', default: 250, min: 0, max: 60_000 },
  READ_REPLICA_DISCOVERY_INTERVAL_MS: { key: 'discoveryIntervalMs', default: 5000, min: 100, max: 3_600_000 },
} as const satisfies Record<string, { key: RouterTunable; default: number; min: number; max: number }>;
const tunables = routerTunables;

/** Longest secret accepted (a typo pasting a file, not a key). */
const MAX_SECRET_BYTES = 4096;

/** The environment variables the router reads, for docs and tests. */
export const routerEnvironment = [
  'DATABASE_URL',
  'READ_REPLICA_DATABASE_URL',
  'READ_REPLICA_ENABLED',
  'READ_REPLICA_CONSISTENCY',
  'READ_REPLICA_TOKEN_SECRET',
  'READ_REPLICA_HEDGE_MS',
  'READ_REPLICA_HEDGE_BUDGET',
  'READ_REPLICA_SELECTOR',
  'READ_REPLICA_WEIGHTS',
  'READ_REPLICA_DISCOVERY',
  'READ_REPLICA_DISCOVERY_DNS_SERVERS',
  ...Object.keys(tunables),
] as const;

const postgresUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
  } catch {
    return false;
  }
});

function url(variable: string, value: string): string {
  // The message never echoes the value: a URL may carry a password.
  if (!postgresUrl.safeParse(value).success) {
    throw new RouterConfigError(variable, 'must be a postgres:// or postgresql:// URL with a host');
  }
  return value;
}

function integer(variable: keyof typeof tunables, raw: string | undefined): number {
  const spec = tunables[variable];
  if (raw === undefined || raw.trim() === '') return spec.default;
  const parsed = z.coerce.number().int().min(spec.min).max(spec.max).safeParse(raw.trim());
  if (!parsed.success || !/^\d+$/.test(raw.trim())) {
    throw new RouterConfigError(
      variable,
      `must be an integer from ${spec.min} to ${spec.max} (got "${raw}")`,
    );
  }
  return parsed.data;
}

/**
 * Reads and validates the routing configuration. Throws {@link RouterConfigError} naming the variable on
 * any invalid value, so a bad deployment stops at start-up instead of misrouting.
 *
 * @example
 * const config = readRouterConfig(process.env);
 * if (config.replicaUrls.length === 0) console.log('routing off: everything on the primary');
 */
export function readRouterConfig(env: NodeJS.ProcessEnv = process.env): RouterConfig {
  const primaryRaw = env.DATABASE_URL?.trim();
  const primaryUrl = primaryRaw ? url('DATABASE_URL', primaryRaw) : undefined;

  const enabled = booleanVariable(env, 'READ_REPLICA_ENABLED', false);

  const replicaRaw = env.READ_REPLICA_DATABASE_URL?.trim() ?? '';
  const listed = replicaRaw === '' ? [] : replicaRaw.split(',').map((s) => s.trim());
  if (listed.some((s) => s === '')) {
    throw new RouterConfigError(
      'READ_REPLICA_DATABASE_URL',
      'has an empty entry in its comma-separated list',
    );
  }
  const replicas = listed.map((s) => url('READ_REPLICA_DATABASE_URL', s));
  const discovered = discoveryVariables(env.READ_REPLICA_DISCOVERY, env.READ_REPLICA_DISCOVERY_DNS_SERVERS);
  if (discovered && replicas.length > 1) {
    throw new RouterConfigError(
      'READ_REPLICA_DATABASE_URL',
      'with READ_REPLICA_DISCOVERY, give at most one URL: the connection settings (user, password, database) of the discovered replicas',
    );
  }
  if (discovered && (env.READ_REPLICA_WEIGHTS?.trim() ?? '') !== '') {
    throw new RouterConfigError(
      'READ_REPLICA_WEIGHTS',
      'applies to listed replicas, not to READ_REPLICA_DISCOVERY',
    );
  }
  const replicaWeights = discovered ? undefined : weightsVariable(env.READ_REPLICA_WEIGHTS, replicas.length);

  const numbers = Object.fromEntries(
    (Object.keys(tunables) as (keyof typeof tunables)[]).map((name) => [
      tunables[name].key,
      integer(name, env[name]),
    ]),
  ) as Pick<RouterConfig, RouterTunable>;
  // A token that expires while a healthy replica may still lack its write would break read-your-writes.
  if (numbers.maxLagMs > 0 && numbers.tokenTtlMs <= numbers.maxLagMs + numbers.probeMs) {
    throw new RouterConfigError(
      'READ_REPLICA_TOKEN_TTL_MS',
      `must be greater than READ_REPLICA_MAX_LAG_MS + READ_REPLICA_PROBE_MS (${numbers.maxLagMs + numbers.probeMs}): ` +
        'a token must outlive the lag a replica serving reads may have',
    );
  }

  if (numbers.hedgeCapMs < numbers.hedgeFloorMs) {
    throw new RouterConfigError(
      'READ_REPLICA_HEDGE_CAP_MS',
      `must be at least READ_REPLICA_HEDGE_FLOOR_MS (${numbers.hedgeFloorMs})`,
    );
  }

  return {
    primaryUrl,
    replicaUrls: enabled && !discovered ? replicas : [],
    replicaWeights,
    selector: selectorVariable(env.READ_REPLICA_SELECTOR),
    discovery: enabled && discovered ? { ...discovered, connectionUrl: replicas[0] } : undefined,
    enabled,
    ...numbers,
    hedgeMs: hedgeMs(env.READ_REPLICA_HEDGE_MS),
    hedgeBudget: hedgeBudget(env.READ_REPLICA_HEDGE_BUDGET),
    consistency: consistency(env.READ_REPLICA_CONSISTENCY),
    tokenSecret: secret(env.READ_REPLICA_TOKEN_SECRET),
  };
}

/** Longest fixed hedge delay: past it a hedge no longer saves anything worth an extra primary statement. */
const MAX_HEDGE_MS = 60_000;

/** `READ_REPLICA_HEDGE_MS`: unset = adaptive (undefined), else a fixed delay in ms, 0 = hedging off. */
function hedgeMs(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = raw.trim();
  if (!/^\d+$/.test(value) || Number(value) > MAX_HEDGE_MS) {
    throw new RouterConfigError(
      'READ_REPLICA_HEDGE_MS',
      `must be an integer from 0 (hedging off) to ${MAX_HEDGE_MS}, or unset for the adaptive delay (got "${raw}")`,
    );
  }
  return Number(value);
}

/** Default share of a replica's statements that may be hedged. */
const DEFAULT_HEDGE_BUDGET = 0.1;

function hedgeBudget(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_HEDGE_BUDGET;
  const parsed = z.coerce.number().min(0).max(1).safeParse(raw.trim());
  if (!parsed.success || !/^(0|1|0?\.\d+|1\.0*)$/.test(raw.trim())) {
    throw new RouterConfigError(
      'READ_REPLICA_HEDGE_BUDGET',
      `must be a share from 0 to 1, e.g. 0.1 (got "${raw}")`,
    );
  }
  return parsed.data;
}

function consistency(raw: string | undefined): ConsistencyLevel {
  if (raw === undefined || raw.trim() === '') return 'read_your_writes';
  const level = consistencyLevels.find((l) => l === raw.trim().toLowerCase());
  if (!level) {
    throw new RouterConfigError(
      'READ_REPLICA_CONSISTENCY',
      `must be one of ${consistencyLevels.join(', ')} (got "${raw}")`,
    );
  }
  return level;
}

function secret(raw: string | undefined): SecretValue | undefined {
  const value = raw?.trim() ?? '';
  if (value === '') return undefined;
  const bytes = Buffer.byteLength(value, 'utf8');
  // The message gives the length it wants, never the value it got.
  if (bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new RouterConfigError(
      'READ_REPLICA_TOKEN_SECRET',
      `must be ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes long (e.g. 32 random bytes in base64url); ` +
        `it has ${bytes}`,
    );
  }
  return new SecretValue(value);
}
