import { RoutedPool, type RouterConfig, type RouterLogger } from 'replica-router';
import { tableApps } from './table-apps.ts';

/** The service's routed pool: the app labels of its tables, the reference allow-list `{perf, model}`. */
export function createServicePool(
  config: Pick<
    RouterConfig,
    'replicaUrls' | 'poolMax' | 'connectTimeoutMs' | 'queryTimeoutMs' | 'ejectMs' | 'classifierCacheSize'
  > & {
    readonly primaryUrl: string;
  },
  logger?: RouterLogger,
): RoutedPool {
  return new RoutedPool({
    primary: config.primaryUrl,
    replicas: config.replicaUrls,
    tableApps,
    allowList: ['perf', 'model'],
    max: config.poolMax,
    replicaConnectTimeoutMs: config.connectTimeoutMs,
    replicaQueryTimeoutMs: config.queryTimeoutMs,
    ejectMs: config.ejectMs,
    classifierCacheSize: config.classifierCacheSize,
    ...(logger ? { logger } : {}),
  });
}
