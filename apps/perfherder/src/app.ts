import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { RoutedPool } from 'replica-router';
import { coreRoutes } from './core/core-routes.ts';
import { AnswerMemo, DEFAULT_ANSWER_MEMO_BYTES } from './http/answer-memo.ts';
import { DEFAULT_GZIP_LEVEL, type GzipLevel, installCompression } from './http/compression.ts';
import { corsPolicy, installCors } from './http/cors/index.ts';
import { dbPlugin } from './http/db-plugin.ts';
import { installErrorHandler } from './http/error-handler.ts';
import { installEtag } from './http/etag.ts';
import { installJsonContentType } from './http/json-content-type.ts';
import { metricsRoutes } from './http/metrics-routes.ts';
import { installNullCharacterCheck } from './http/null-characters.ts';
import { installOptionsRoutes } from './http/options-routes.ts';
import { statusRoutes } from './http/status-routes.ts';
import { perfRoutes } from './perf/perf-routes.ts';

export interface BuildOptions {
  /**
   * The routed pool (a pg.Pool; build one with `createServicePool`), or a function that builds it with the
   * app's logger, so that the pool's own log lines (`db_routing_replica_error` when an idle replica
   * connection fails, the fallback WARN outside a request) reach the service log.
   */
  readonly pool: RoutedPool | ((logger: FastifyBaseLogger) => RoutedPool);
  /** End the pool when the app closes. Default false (the caller owns it). */
  readonly closePool?: boolean;
  /** Fastify logger options, or false. Default: info level. */
  readonly logger?: FastifyServerOptions['logger'];
  /** Origins allowed cross-origin (CORS_ALLOWED_ORIGINS): `'*'` (default, as the reference) or a list. */
  readonly corsAllowedOrigins?: '*' | readonly string[];
  /**
   * The alert-summary and alert GETs read from replicas too (`READ_REPLICA_ALERT_READS`). Meant for a pool at
   * `read_your_writes` or `monotonic`; the configuration refuses it at `eventual`. Default false.
   */
  readonly alertReplicaReads?: boolean;
  /** gzip for clients that accept it (`RESPONSE_GZIP_LEVEL`): a zlib level 1-9, or `'off'`. Default 1. */
  readonly gzipLevel?: GzipLevel;
  /** Bytes of whole answers kept in memory (`ANSWER_MEMO_BYTES`, see http/answer-memo.ts); 0: off. Default 64 MiB. */
  readonly answerMemoBytes?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Whole answers of the heavy read endpoints, sent again while the database proves them current. */
    answerMemo: AnswerMemo;
  }
}

/**
 * The Perfherder API as a Fastify app: the Perfherder routes, the Treeherder core routes its clients
 * call, CORS, validation, OpenAPI docs at /docs, /healthz, the routing status page and Prometheus /metrics. `server.ts` only listens; tests call `build()` and `inject()`.
 *
 * @example
 * const app = await build({ pool });
 * const res = await app.inject('/api/performance/framework/');
 */
export async function build(options: BuildOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: 'info' },
    // DRF routes need the trailing slash; a path without it is a different route (404 here), which is
    // the router's default (no ignoreTrailingSlash).
    routerOptions: { maxParamLength: 200 },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, useDefaults: true } },
  });
  // CORS first: a preflight is answered before anything else looks at the request.
  installCors(app, corsPolicy(options.corsAllowedOrigins ?? '*'));
  installJsonContentType(app);
  // Before the ETag hook, so that a 304 keeps the Vary of its 200; the gzip itself runs after every hook.
  const gzipLevel = options.gzipLevel ?? DEFAULT_GZIP_LEVEL;
  await installCompression(app, gzipLevel);
  app.decorate('answerMemo', new AnswerMemo(options.answerMemoBytes ?? DEFAULT_ANSWER_MEMO_BYTES, gzipLevel));
  // After the content type is final: the ETag hashes the bytes sent.
  installEtag(app);
  installErrorHandler(app);
  installNullCharacterCheck(app);
  installOptionsRoutes(app);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Perfherder API',
        description: "Mozilla Perfherder's performance-data API; read-only endpoints served from replicas",
        version: '1.0.0',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  const pool = typeof options.pool === 'function' ? options.pool(app.log) : options.pool;
  await app.register(dbPlugin, { pool, closePool: options.closePool ?? false });
  await app.register(statusRoutes);
  await app.register(metricsRoutes);
  await app.register(perfRoutes, { alertReplicaReads: options.alertReplicaReads ?? false });
  await app.register(coreRoutes);
  return app;
}
