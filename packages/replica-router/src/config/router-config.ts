import { z } from 'zod';
import { RouterConfigError } from '../errors.ts';
import { booleanSpellings, parseBoolean } from './parse-boolean.ts';

/** Routing configuration, read from the environment (12-factor) by {@link readRouterConfig}. */
export interface RouterConfig {
  /** Primary URL (`DATABASE_URL`); undefined when unset (the service then boots its dev cluster). */
  readonly primaryUrl: string | undefined;
  /**
   * Replica URLs. Non-empty only when BOTH `READ_REPLICA_DATABASE_URL` is set and
   * `READ_REPLICA_ENABLED` is true: that is the kill switch. Empty means routing is a true no-op.
   */
  readonly replicaUrls: readonly string[];
  /** `READ_REPLICA_ENABLED` as given (false when unset). */
  readonly enabled: boolean;
  readonly poolMax: number;
  readonly connectTimeoutMs: number;
  readonly queryTimeoutMs: number;
  readonly ejectMs: number;
  readonly classifierCacheSize: number;
}

/** Tunables: name, default, bounds. Units are in the names. */
const tunables = {
  DATABASE_POOL_MAX: { key: 'poolMax', default: 10, min: 1, max: 1000 },
  READ_REPLICA_CONNECT_TIMEOUT_MS: { key: 'connectTimeoutMs', default: 2000, min: 50, max: 600_000 },
  READ_REPLICA_QUERY_TIMEOUT_MS: { key: 'queryTimeoutMs', default: 30_000, min: 100, max: 3_600_000 },
  READ_REPLICA_EJECT_MS: { key: 'ejectMs', default: 5000, min: 0, max: 3_600_000 },
  READ_REPLICA_CLASSIFIER_CACHE_SIZE: { key: 'classifierCacheSize', default: 5000, min: 0, max: 1_000_000 },
} as const;

/** The environment variables the router reads, for docs and tests. */
export const routerEnvironment = [
  'DATABASE_URL',
  'READ_REPLICA_DATABASE_URL',
  'READ_REPLICA_ENABLED',
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

  const enabledRaw = env.READ_REPLICA_ENABLED;
  let enabled = false;
  if (enabledRaw !== undefined && enabledRaw.trim() !== '') {
    const parsed = parseBoolean(enabledRaw);
    if (parsed === undefined) {
      throw new RouterConfigError(
        'READ_REPLICA_ENABLED',
        `must be one of ${booleanSpellings} (got "${enabledRaw}")`,
      );
    }
    enabled = parsed;
  }

  const replicaRaw = env.READ_REPLICA_DATABASE_URL?.trim() ?? '';
  const listed = replicaRaw === '' ? [] : replicaRaw.split(',').map((s) => s.trim());
  if (listed.some((s) => s === '')) {
    throw new RouterConfigError(
      'READ_REPLICA_DATABASE_URL',
      'has an empty entry in its comma-separated list',
    );
  }
  const replicas = listed.map((s) => url('READ_REPLICA_DATABASE_URL', s));

  const numbers = Object.fromEntries(
    (Object.keys(tunables) as (keyof typeof tunables)[]).map((name) => [
      tunables[name].key,
      integer(name, env[name]),
    ]),
  ) as Pick<
    RouterConfig,
    'poolMax' | 'connectTimeoutMs' | 'queryTimeoutMs' | 'ejectMs' | 'classifierCacheSize'
  >;

  return {
    primaryUrl,
    replicaUrls: enabled ? replicas : [],
    enabled,
    ...numbers,
  };
}
