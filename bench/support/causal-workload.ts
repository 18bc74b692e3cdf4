/**
 * The token-holding workload of bench/causal.ts: clients that each loop write (their own alert summary's
 * notes) → read it back → read a routed endpoint and someone else's summary, carrying the causal token the
 * responses give them, against the service built on one cluster. Counts where the reads went (from the pool's
 * reasons), what the primary executed (its own pg_stat_statements), and which `causal_behind` reads a
 * per-app position would have kept on a replica.
 */
import type { FastifyInstance } from 'fastify';
import type { ClusterNode } from '../../packages/pg-devcluster/src/index.ts';
import { type RouteEvent, routeChannel } from '../../packages/replica-router/src/index.ts';

/** What each client owns and reads. */
export interface Workload {
  /** One summary per client (its only writer). */
  readonly summaries: readonly number[];
  /** The routed endpoint every loop reads. */
  readonly routedPath: string;
  readonly sheriffToken: string;
}

export interface WorkloadResult {
  readonly requests: number;
  readonly tokenReads: number;
  /** Statements of token-holding reads served by a replica, and those sent to the primary (causal_behind). */
  readonly routed: number;
  readonly causalBehind: number;
  /**
   * Statements the primary executed for the service per 1,000 requests: its pg_stat_statements, for the role
   * the service connects as (the ingestion connects as another), without foreign-key checks (they run as the
   * table owner, whoever wrote) and probes.
   */
  readonly primaryCallsPer1000: number;
  readonly primaryCaptures: number;
  readonly replicaAsks: number;
  /** causal_behind statements whose relations include no app the clients wrote (`perf`). */
  readonly behindWithoutWrittenApp: number;
  readonly errors: number;
}

async function primaryCalls(primary: ClusterNode, database: string): Promise<number> {
  const rows = await primary.query<{ n: string | null }>(
    `SELECT sum(calls)::text AS n FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)
        AND query NOT LIKE '%replica-router probe%' AND query NOT LIKE '%pg_stat_statements%'
        AND userid = (SELECT oid FROM pg_roles WHERE rolname = current_user)
        AND query NOT LIKE '%FOR KEY SHARE OF x%'`,
    [database],
    database,
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Runs `clients` loops for `durationMs` against `app` (Fastify inject: the whole plugin pipeline without
 * sockets). `appOf` maps a table to its app label, for the per-app count.
 */
export async function runWorkload(options: {
  readonly app: FastifyInstance;
  readonly workload: Workload;
  readonly clients: number;
  readonly durationMs: number;
  readonly primary: ClusterNode;
  readonly database: string;
  readonly tablesOf: (sql: string) => readonly string[];
  readonly appOf: (table: string) => string | undefined;
}): Promise<WorkloadResult> {
  const { app, workload, clients, durationMs } = options;
  const before = app.db.stats();
  const primaryBefore = await primaryCalls(options.primary, options.database);
  let behindWithoutWrittenApp = 0;
  const onRoute = (message: unknown) => {
    const event = message as RouteEvent;
    if (event.reason !== 'causal_behind') return;
    const apps = new Set(options.tablesOf(event.sql).map((t) => options.appOf(t)));
    if (!apps.has('perf')) behindWithoutWrittenApp++;
  };
  routeChannel.subscribe(onRoute);
  let requests = 0;
  let tokenReads = 0;
  let errors = 0;
  const until = Date.now() + durationMs;
  const loop = async (c: number) => {
    let token: string | undefined;
    const call = async (method: 'GET' | 'PUT', url: string, payload?: object) => {
      const headers: Record<string, string> = {};
      if (token) headers['x-causal-token'] = token;
      if (payload) headers.authorization = `Bearer ${workload.sheriffToken}`;
      if (method === 'GET' && token) tokenReads++;
      const res = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      requests++;
      if (res.statusCode !== 200) errors++;
      const next = res.headers['x-causal-token'];
      if (typeof next === 'string') token = next;
    };
    const own = workload.summaries[c % workload.summaries.length]!;
    const other = workload.summaries[(c + 1) % workload.summaries.length]!;
    for (let k = 0; Date.now() < until; k++) {
      await call('PUT', `/api/performance/alertsummary/${own}/`, { notes: `c${c} v${k}` });
      await call('GET', `/api/performance/alertsummary/${own}/`);
      await call('GET', workload.routedPath);
      await call('GET', `/api/performance/alertsummary/${other}/`);
    }
  };
  try {
    await Promise.all(Array.from({ length: clients }, (_, c) => loop(c)));
  } finally {
    routeChannel.unsubscribe(onRoute);
  }
  const after = app.db.stats();
  const delta = (reason: keyof typeof after.reasons) => after.reasons[reason] - before.reasons[reason];
  const primaryAfter = await primaryCalls(options.primary, options.database);
  return {
    requests,
    tokenReads,
    routed: delta('routed'),
    causalBehind: delta('causal_behind'),
    primaryCallsPer1000: ((primaryAfter - primaryBefore) * 1000) / Math.max(1, requests),
    primaryCaptures:
      (after.causal?.tokens.primaryCaptures ?? 0) - (before.causal?.tokens.primaryCaptures ?? 0),
    replicaAsks: (after.causal?.checks.asked ?? 0) - (before.causal?.checks.asked ?? 0),
    behindWithoutWrittenApp,
    errors,
  };
}
