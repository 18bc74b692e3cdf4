import { resolve } from 'node:path';
import { booleanVariable, type RouterConfig, RouterConfigError, readRouterConfig } from 'replica-router';
import { parseAnswerMemoBytes } from '../http/answer-memo.ts';
import { type GzipLevel, parseGzipLevel } from '../http/compression.ts';
import { parseAllowedOrigins } from '../http/cors/parse-allowed-origins.ts';

/** Service configuration from the environment; invalid values stop start-up naming the variable. */
export interface ServiceConfig {
  readonly router: RouterConfig;
  readonly port: number;
  readonly host: string;
  /** pino level from LOGGING_LEVEL (DEBUG, INFO, WARNING, ERROR, CRITICAL, as the reference spells them). */
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** Dev cluster: replicas to start when DATABASE_URL is unset. */
  readonly devReplicas: number;
  /** CORS_ALLOWED_ORIGINS: `'*'` (every origin, the reference) or the exact origins allowed. */
  readonly corsAllowedOrigins: '*' | readonly string[];
  /** Dev cluster: its folder (DEV_CLUSTER_DATA_DIR, absolute); undefined = `.data/cluster` in the repository. */
  readonly devDataDir: string | undefined;
  /**
   * `READ_REPLICA_ALERT_READS`: the alert-summary and alert GETs read from replicas too. Only at
   * `read_your_writes` or `monotonic`, where a client's causal token keeps its own triage visible to it.
   */
  readonly alertReplicaReads: boolean;
  /** `RESPONSE_GZIP_LEVEL`: the zlib level of gzip answers (1-9), or `'off'`. */
  readonly gzipLevel: GzipLevel;
  /** `ANSWER_MEMO_BYTES`: bytes of whole answers kept per process; 0 = off. */
  readonly answerMemoBytes: number;
}

const LEVELS: Record<string, ServiceConfig['logLevel']> = {
  debug: 'debug',
  info: 'info',
  warning: 'warn',
  warn: 'warn',
  error: 'error',
  critical: 'fatal',
  fatal: 'fatal',
};

export function readServiceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const router = readRouterConfig(env);
  const portRaw = env.PORT?.trim() || '8000';
  if (!/^\d+$/.test(portRaw) || Number(portRaw) > 65535) {
    throw new RouterConfigError('PORT', `must be a TCP port number from 0 to 65535 (got "${portRaw}")`);
  }
  const levelRaw = (env.LOGGING_LEVEL?.trim() || 'INFO').toLowerCase();
  const logLevel = LEVELS[levelRaw];
  if (!logLevel) {
    throw new RouterConfigError(
      'LOGGING_LEVEL',
      `must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL (got "${env.LOGGING_LEVEL}")`,
    );
  }
  const devRaw = env.DEV_CLUSTER_REPLICAS?.trim() || '1';
  if (!/^\d$/.test(devRaw) || Number(devRaw) > 8) {
    throw new RouterConfigError('DEV_CLUSTER_REPLICAS', `must be an integer from 0 to 8 (got "${devRaw}")`);
  }
  const cors = parseAllowedOrigins(env.CORS_ALLOWED_ORIGINS);
  if (typeof cors === 'object' && 'error' in cors) {
    throw new RouterConfigError('CORS_ALLOWED_ORIGINS', cors.error);
  }
  const gzipLevel = parseGzipLevel(env.RESPONSE_GZIP_LEVEL);
  if (typeof gzipLevel === 'object') throw new RouterConfigError('RESPONSE_GZIP_LEVEL', gzipLevel.error);
  const answerMemoBytes = parseAnswerMemoBytes(env.ANSWER_MEMO_BYTES);
  if (typeof answerMemoBytes === 'object') {
    throw new RouterConfigError('ANSWER_MEMO_BYTES', answerMemoBytes.error);
  }
  const alertReplicaReads = booleanVariable(env, 'READ_REPLICA_ALERT_READS', false);
  if (alertReplicaReads && router.consistency === 'eventual') {
    throw new RouterConfigError(
      'READ_REPLICA_ALERT_READS',
      'needs READ_REPLICA_CONSISTENCY read_your_writes or monotonic: at eventual a sheriff could read an alert ' +
        'from before their own triage',
    );
  }
  return {
    router,
    port: Number(portRaw),
    host: env.HOST?.trim() || '127.0.0.1',
    logLevel,
    devReplicas: Number(devRaw),
    corsAllowedOrigins: cors,
    devDataDir: env.DEV_CLUSTER_DATA_DIR?.trim() ? resolve(env.DEV_CLUSTER_DATA_DIR.trim()) : undefined,
    alertReplicaReads,
    gzipLevel,
    answerMemoBytes,
  };
}
