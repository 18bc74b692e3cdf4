// A TypeScript consumer of the packed packages, checked with `tsc --strict` (moduleResolution nodenext)
// against the shipped .d.ts only. Each @ts-expect-error proves a type is real: were it `any`, the
// directive would be unused and tsc would fail.
import { createServer } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import {
  type Cluster,
  type ClusterStatus,
  createTestDatabase,
  DevClusterError,
  startCluster,
  type TestDatabase,
} from 'pg-devcluster';
import {
  isFallbackError,
  RoutedPool,
  type RoutedPoolStats,
  type RoutedPool as RoutedPoolType,
  type RouteEvent,
  routeChannel,
  runInReplicaScope,
  usePrimary,
} from 'replica-router';
import { readReplica as expressReadReplica } from 'replica-router/express';
import { readReplicaPlugin } from 'replica-router/fastify';
import { readReplica as honoReadReplica } from 'replica-router/hono';
import { withReplicaScope } from 'replica-router/http';
import { createRoutingHistory, type RoutingHistorySnapshot } from 'replica-router/status';
import { type CapturedQuery, captureQueries } from 'replica-router/testing';

export async function main(): Promise<void> {
  const cluster: Cluster = await startCluster({ replicas: 1, proxies: false });
  const status: ClusterStatus = await cluster.status();
  const lag: number | null = status.replicas[0]?.lagBytes ?? null;
  const db: TestDatabase = await createTestDatabase({ urls: cluster.urls() });
  await db.waitForReplicas({ timeoutMs: 10_000 });

  const pool: RoutedPoolType = new RoutedPool({
    primary: db.urls.primary,
    replicas: db.urls.replicas,
    tableApps: { note: 'notes' },
    allowList: ['notes'],
  });
  const { rows } = await runInReplicaScope(() => pool.query<{ n: number }>('SELECT 1 AS n'), {
    method: 'GET',
  });
  const n: number = rows[0]?.n ?? 0;
  const stats: RoutedPoolStats = pool.stats();
  const onPrimary = await usePrimary(() => pool.query('SELECT 1'));
  const { queries }: { queries: CapturedQuery[] } = await captureQueries(() => pool.query('SELECT 1'));
  const history = createRoutingHistory(pool, { sampleMs: 500 });
  const series: RoutingHistorySnapshot = history.snapshot({ sinceMs: 0 });
  // @ts-expect-error a sample's lag is a number or null
  const sampledLag: string = series.samples[0]?.replicas[0]?.lagMs ?? '';
  history.stop();
  routeChannel.subscribe((message) => {
    const event = message as RouteEvent;
    console.log(event.node.alias, event.reason);
  });

  const fastify = Fastify();
  await fastify.register(readReplicaPlugin, { pool });
  fastify.get('/notes', { config: { readReplica: true } }, async () => (await pool.query('SELECT 1')).rows);
  // @ts-expect-error the route option is a boolean
  fastify.get('/typed', { config: { readReplica: 'yes' } }, async () => 'no');

  const app = express();
  app.get('/notes', expressReadReplica({ pool }), async (_req, res) => {
    res.json((await pool.query('SELECT 1')).rows);
  });
  // @ts-expect-error the middleware needs the pool
  expressReadReplica({});

  const hono = new Hono();
  hono.get('/notes', honoReadReplica({ pool }), async (c) => c.json((await pool.query('SELECT 1')).rows));

  createServer(withReplicaScope((_req, res) => res.end('ok'), { pool }));

  // @ts-expect-error the primary is a URL string
  new RoutedPool({ primary: 5432 });

  try {
    await cluster.stop();
  } catch (error) {
    if (error instanceof DevClusterError) console.log(error.code.toUpperCase());
    if (isFallbackError(error)) console.log('fallback');
  }
  console.log(lag, sampledLag, n, stats.routingEnabled, onPrimary.rowCount, queries.length);
}
