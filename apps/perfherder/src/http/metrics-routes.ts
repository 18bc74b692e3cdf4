import type { FastifyPluginAsync } from 'fastify';
import { Gauge, Registry } from 'prom-client';
import type { ReplicaState } from 'replica-router';
import { registerFleetMetrics } from './fleet-metrics.ts';

const REPLICA_STATES: readonly ReplicaState[] = [
  'starting',
  'healthy',
  'lagging',
  'ejected',
  'not_a_replica',
];

/**
 * `GET /metrics` in the Prometheus text format: routing decisions by reason, fallbacks, per-pool connection
 * counts, each replica's state, lag and probes, and causal tokens, read from `pool.stats()` at scrape time (no
 * work on the request path). Labels are reasons, node names, states and outcomes only: never a URL, a password
 * or a token.
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
      this.reset();
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
    help: '1 when the replica receives reads (state healthy), else 0',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      this.reset(); // a replica that left the discovered set leaves no stale series
      for (const r of stats().replicas) this.set({ replica: r.name }, r.state === 'healthy' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'perfherder_db_replica_statements_total',
    help: 'Statements a replica served, and its failures that fell back to the primary',
    labelNames: ['replica', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of stats().replicas) {
        this.set({ replica: r.name, outcome: 'served' }, r.served);
        this.set({ replica: r.name, outcome: 'failed' }, r.failures);
      }
    },
  });

  new Gauge({
    name: 'perfherder_db_replica_state',
    help: 'The replica state from its probes: 1 for the current state, 0 for the others',
    labelNames: ['replica', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of stats().replicas) {
        for (const state of REPLICA_STATES) this.set({ replica: r.name, state }, r.state === state ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'perfherder_db_replica_lag_ms',
    help: 'Replication lag in milliseconds at the last probe (an upper bound; 0 when caught up with the primary)',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of stats().replicas) if (r.lagMs !== undefined) this.set({ replica: r.name }, r.lagMs);
    },
  });
  new Gauge({
    name: 'perfherder_db_replica_lag_bytes',
    help: 'WAL bytes the primary had that the replica had not replayed, at the last probe',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of stats().replicas)
        if (r.lagBytes !== undefined) this.set({ replica: r.name }, r.lagBytes);
    },
  });
  new Gauge({
    name: 'perfherder_db_replica_probes_total',
    help: 'Probes of the replica, by outcome (ok, failed: an error or a timeout)',
    labelNames: ['replica', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of stats().replicas) {
        this.set({ replica: r.name, outcome: 'ok' }, r.probes.ok);
        this.set({ replica: r.name, outcome: 'failed' }, r.probes.failed);
      }
    },
  });
  new Gauge({
    name: 'perfherder_db_causal_tokens_total',
    help: 'Causal tokens: issued, accepted, and ignored by reason (invalid_<reason>)',
    labelNames: ['event'],
    registers: [registry],
    collect() {
      const tokens = stats().causal?.tokens;
      if (!tokens) return;
      this.set({ event: 'issued' }, tokens.issued);
      this.set({ event: 'accepted' }, tokens.accepted);
      for (const [reason, n] of Object.entries(tokens.invalid)) this.set({ event: `invalid_${reason}` }, n);
    },
  });
  new Gauge({
    name: 'perfherder_db_causal_checks_total',
    help:
      'Token-holding reads: satisfied by the probes, asked (replicas asked their position), caught_up (then ' +
      'served by one), waited (served after waiting), behind (sent to the primary: causal_behind)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const checks = stats().causal?.checks;
      if (!checks) return;
      this.set({ outcome: 'satisfied_by_probe' }, checks.satisfiedByProbe);
      this.set({ outcome: 'asked' }, checks.asked);
      this.set({ outcome: 'caught_up' }, checks.caughtUp);
      this.set({ outcome: 'waited' }, checks.waited);
      this.set({ outcome: 'behind' }, checks.behind);
    },
  });
  new Gauge({
    name: 'perfherder_db_causal_captures_total',
    help: 'Reads of a WAL position for a response token: primary (after a write), replica (monotonic), failed',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      const tokens = stats().causal?.tokens;
      if (!tokens) return;
      this.set({ source: 'primary' }, tokens.primaryCaptures);
      this.set({ source: 'replica' }, tokens.replicaCaptures);
      this.set({ source: 'failed' }, tokens.captureFailures);
    },
  });
  new Gauge({
    name: 'perfherder_db_hedges_total',
    help:
      'Replica statements that also ran on the primary (hedged reads), by replica and by who answered first ' +
      '(winner primary or replica)',
    labelNames: ['replica', 'winner'],
    registers: [registry],
    collect() {
      for (const r of stats().hedging?.replicas ?? []) {
        this.set({ replica: r.replica, winner: 'primary' }, r.primaryWon);
        this.set({ replica: r.replica, winner: 'replica' }, r.replicaWon);
      }
    },
  });
  new Gauge({
    name: 'perfherder_db_hedge_losers_total',
    help:
      'Losing statements of hedged reads: cancelled (connection back in its pool, idle) or destroyed (the ' +
      'cancel did not get through in time)',
    labelNames: ['replica', 'outcome'],
    registers: [registry],
    collect() {
      for (const r of stats().hedging?.replicas ?? []) {
        this.set({ replica: r.replica, outcome: 'cancelled' }, r.cancelled);
        this.set({ replica: r.replica, outcome: 'destroyed' }, r.destroyed);
      }
    },
  });
  new Gauge({
    name: 'perfherder_db_hedge_delay_ms',
    help: 'The hedge delay a replica statement gets now (fixed, or adaptive from the replica’s p95 latency)',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      const hedging = stats().hedging;
      if (!hedging?.enabled) return;
      for (const r of hedging.replicas) this.set({ replica: r.replica }, r.delayMs);
    },
  });
  new Gauge({
    name: 'perfherder_db_hedge_budget_ejections_total',
    help: 'Times a replica was ejected for going past the hedge budget (reason hedge_budget)',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      for (const r of stats().hedging?.replicas ?? []) this.set({ replica: r.replica }, r.budgetEjections);
    },
  });

  registerFleetMetrics(registry, stats);

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
};
