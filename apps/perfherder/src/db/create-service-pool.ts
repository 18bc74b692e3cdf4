import { RoutedPool, type RouterConfig, type RouterLogger, type RouterTunable } from 'replica-router';
import { tableApps } from './table-apps.ts';

/** The router settings the service's pool takes from its configuration. */
export type ServicePoolConfig = Pick<RouterConfig, 'replicaUrls' | 'consistency' | RouterTunable> &
  Partial<Pick<RouterConfig, 'hedgeMs' | 'hedgeBudget' | 'replicaWeights' | 'selector' | 'discovery'>> & {
    readonly primaryUrl: string;
    /** The causal-token secret (a `SecretValue` from the environment, or the value itself). */
    readonly tokenSecret?: { reveal(): string } | string | undefined;
  };

/**
 * The service's routed pool: the app labels of its tables, the reference allow-list `{perf, model}`, probes and
 * causal tokens as configured. Pass the service's logger: replica state changes and the WARN about a missing
 * token secret are logged through it.
 */
export function createServicePool(config: ServicePoolConfig, logger?: RouterLogger): RoutedPool {
  const secret = typeof config.tokenSecret === 'string' ? config.tokenSecret : config.tokenSecret?.reveal();
  const discovery = config.discovery;
  return new RoutedPool({
    primary: config.primaryUrl,
    replicas: config.replicaUrls,
    ...(config.replicaWeights ? { replicaWeights: config.replicaWeights } : {}),
    ...(config.selector ? { selector: config.selector } : {}),
    ...(discovery
      ? {
          discovery: {
            host: discovery.host,
            port: discovery.port,
            intervalMs: config.discoveryIntervalMs,
            servers: discovery.servers,
            ...(discovery.connectionUrl ? { connection: discovery.connectionUrl } : {}),
          },
        }
      : {}),
    tableApps,
    allowList: ['perf', 'model'],
    // The migrations' functions a read may call (0008's day number of a push time, IMMUTABLE; 0011's sparse
    // signature object, STABLE, a read of the signature's option collection, platform and parent), and
    // pg_current_snapshot(): the answer memo (http/answer-memo.ts) wants the snapshot of whichever server
    // ran its statement, a standby's included (it assigns no transaction id and writes nothing).
    readOnlyFunctions: ['performance_datum_day', 'performance_signature_sparse_json', 'pg_current_snapshot'],
    max: config.poolMax,
    replicaConnectTimeoutMs: config.connectTimeoutMs,
    replicaQueryTimeoutMs: config.queryTimeoutMs,
    classifierCacheSize: config.classifierCacheSize,
    probeMs: config.probeMs,
    probeTimeoutMs: config.probeTimeoutMs,
    maxLagMs: config.maxLagMs,
    maxLagBytes: config.maxLagBytes,
    readmitProbes: config.readmitProbes,
    consistency: config.consistency,
    tokenTtlMs: config.tokenTtlMs,
    catchUpWaitMs: config.catchUpWaitMs,
    hedgeFloorMs: config.hedgeFloorMs,
    hedgeCapMs: config.hedgeCapMs,
    ...(config.hedgeMs === undefined ? {} : { hedgeMs: config.hedgeMs }),
    ...(config.hedgeBudget === undefined ? {} : { hedgeBudget: config.hedgeBudget }),
    ...(secret === undefined ? {} : { tokenSecret: secret }),
    ...(logger ? { logger } : {}),
  });
}
