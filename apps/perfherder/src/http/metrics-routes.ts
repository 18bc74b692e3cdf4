import type { FastifyPluginAsync } from 'fastify';
import { Gauge, Registry } from 'prom-client';

/**
 * `GET /metrics` in the Prometheus text format: routing decisions by reason, fallbacks, and per-pool
 * connection counts and replica health, read from `pool.stats()` at scrape time (no work on the
 * request path). Labels are reasons, node names and states only: never a URL or a password.
 */
export const metricsRoutes: FastifyPluginAsync = async (app) => {
  const registry = new Registry();
  const stats = () => app.db.stats();

  // Monotonic in the pool, but read at scrape time, so exposed as gauges named like counters' totals.
  new Gauge({
    name: 'perfherder_db_statements_total',
    help: 'Statements run through the routed pool, by routing reason',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      for (const [reason, n] of Object.entries(stats().reasons)) this.set({ reason }, n);
    },
  });
  new Gauge({
    name: 'perfherder_db_fallbacks_total',
    help: 'Replica attempts that failed and were retried on the primary',
    registers: [registry],
    collect() {
      this.set(stats().fallbacks);
    },
  });
  new Gauge({
    name: 'perfherder_db_routing_enabled',
    help: '1 when the read_replica alias exists (both replica variables set and enabled)',
    registers: [registry],
    collect() {
      this.set(stats().routingEnabled ? 1 : 0);
    },
  });
  new Gauge({
    name: 'perfherder_db_pool_connections',
    help: 'Pool connections by node and state (total, idle, waiting clients)',
    labelNames: ['node', 'state'],
    registers: [registry],
    collect() {
      const s = stats();
      for (const node of [{ name: 'primary', ...s.primary }, ...s.replicas]) {
        this.set({ node: node.name, state: 'total' }, node.totalCount);
        this.set({ node: node.name, state: 'idle' }, node.idleCount);
        this.set({ node: node.name, state: 'waiting' }, node.waitingCount);
      }
    },
  });
  new Gauge({
    name: 'perfherder_db_replica_healthy',
    help: '1 when the replica receives reads, 0 while it is ejected after a connection failure',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      for (const r of stats().replicas) this.set({ replica: r.name }, r.state === 'healthy' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'perfherder_db_replica_statements_total',
    help: 'Statements a replica served, and its failures that fell back to the primary',
    labelNames: ['replica', 'outcome'],
    registers: [registry],
    collect() {
      for (const r of stats().replicas) {
        this.set({ replica: r.name, outcome: 'served' }, r.served);
        this.set({ replica: r.name, outcome: 'failed' }, r.failures);
      }
    },
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
};
