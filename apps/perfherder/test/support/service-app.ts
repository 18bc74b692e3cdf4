import { after, before, beforeEach } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { ClusterUrls } from 'pg-devcluster';
import { readRouterConfig } from 'replica-router';
import { build } from '../../src/app.ts';
import { createServicePool } from '../../src/db/create-service-pool.ts';
import { type TestDatabase, withTestDatabase } from './database.ts';

/** The routed pool's knobs (see `createServicePool`), without the URLs. */
export type ServicePoolOptions = Omit<Parameters<typeof createServicePool>[0], 'primaryUrl' | 'replicaUrls'>;

/** Options of {@link buildServiceApp} and {@link startServiceApp}. */
export interface ServiceAppOptions {
  /** Give the pool the replica URLs (default true); false is the kill switch (every statement on the primary). */
  readonly replicas?: boolean;
  /** Fastify logger options (default false). */
  readonly logger?: Parameters<typeof build>[0]['logger'];
  /**
   * Overrides of the pool's defaults (the environment's defaults, with 4 connections, 1 s connect, 5 s query,
   * probes every 200 ms, 100 cached statements).
   */
  readonly pool?: Partial<ServicePoolOptions>;
  /** CORS_ALLOWED_ORIGINS of the app (default `'*'`). */
  readonly corsAllowedOrigins?: '*' | readonly string[];
  /** RESPONSE_GZIP_LEVEL of the app (default 1). */
  readonly gzipLevel?: Parameters<typeof build>[0]['gzipLevel'];
  /** ANSWER_MEMO_BYTES of the app (default 64 MiB; 0: off). */
  readonly answerMemoBytes?: number;
}

/** A test database and the service built on it, owned by one test file. */
export interface ServiceApp {
  readonly db: TestDatabase;
  readonly app: FastifyInstance;
  /** Close the app (and its pool), then stop the cluster. */
  close(): Promise<void>;
}

const { primaryUrl: _primary, replicaUrls: _replicas, ...ENV_DEFAULTS } = readRouterConfig({});

const DEFAULT_POOL: ServicePoolOptions = {
  ...ENV_DEFAULTS,
  poolMax: 4,
  connectTimeoutMs: 1000,
  queryTimeoutMs: 5000,
  probeMs: 200,
  // A loaded test machine can take over the 1 s default to open a probe's connection (fork + SCRAM).
  probeTimeoutMs: 5000,
  classifierCacheSize: 100,
};

/**
 * The service on `urls`: a routed pool the app owns (`closePool`), built and ready. inject() before ready()
 * would run the request in avvio's async context, losing captureQueries' context.
 */
export async function buildServiceApp(
  urls: Pick<ClusterUrls, 'primary' | 'replicas'>,
  options: ServiceAppOptions = {},
): Promise<FastifyInstance> {
  const app = await build({
    // Built with the app's logger, as the service does: the pool's own lines reach the test's log stream.
    pool: (logger) => {
      const pool = createServicePool(
        {
          ...DEFAULT_POOL,
          ...options.pool,
          primaryUrl: urls.primary,
          replicaUrls: (options.replicas ?? true) ? urls.replicas : [],
        },
        logger,
      );
      // pg-pool's end() resolves before its sockets are closed, so the cluster's fast shutdown (or a stopped
      // replica) can still reach an idle connection; that must not crash the test file.
      pool.on('error', () => {});
      return pool;
    },
    closePool: true,
    logger: options.logger ?? false,
    corsAllowedOrigins: options.corsAllowedOrigins ?? '*',
    ...(options.gzipLevel === undefined ? {} : { gzipLevel: options.gzipLevel }),
    ...(options.answerMemoBytes === undefined ? {} : { answerMemoBytes: options.answerMemoBytes }),
  });
  await app.ready();
  return app;
}

/**
 * Starts a test database (one cluster, see `withTestDatabase`) and the service on it. Call it in `before()`
 * and `close()` in `after()`.
 *
 * @example
 * let db: ServiceApp['db'];
 * let app: ServiceApp['app'];
 * let close: ServiceApp['close'] | undefined;
 * before(async () => {
 *   ({ db, app, close } = await startServiceApp());
 * });
 * after(() => close?.());
 */
export async function startServiceApp(options: ServiceAppOptions = {}): Promise<ServiceApp> {
  const db = await withTestDatabase({ stopAfter: false });
  try {
    const app = await buildServiceApp(db.urls, options);
    return {
      db,
      app,
      close: async () => {
        await app.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * The hooks most HTTP test files share, registered in the calling `describe()`: {@link startServiceApp} before
 * its tests, `close()` after them and `db.reset()` before each test. `db` and `app` can be read from the
 * answer once the service started (in a test or a later hook).
 *
 * @example
 * describe('…', () => {
 *   const service = serviceAppHooks();
 *   it('…', async () => {
 *     const res = await service.app.inject('/api/…');
 *   });
 * });
 */
export function serviceAppHooks(options: ServiceAppOptions = {}): {
  readonly db: TestDatabase;
  readonly app: FastifyInstance;
} {
  let service: ServiceApp | undefined;
  const started = (): ServiceApp => {
    if (!service)
      throw new Error('serviceAppHooks: read db and app in a test or hook, once the service started');
    return service;
  };
  before(async () => {
    service = await startServiceApp(options);
  });
  after(async () => {
    await service?.close();
  });
  beforeEach(() => started().db.reset());
  return {
    get db() {
      return started().db;
    },
    get app() {
      return started().app;
    },
  };
}
