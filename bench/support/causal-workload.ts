/**
 * The token-holding workload of bench/causal.ts: clients that each loop write (their own alert summary's
 * notes) → read it back → read a routed endpoint and someone else's summary, carrying the causal token the
 * responses give them, against the service built on one cluster. Counts where the reads went (from the pool's
 * reasons), what the primary executed (its own pg_stat_statements), and which `causal_behind` reads a
 * per-app position would have kept on a replica.
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { createUser, issueToken } from '../../apps/perfherder/src/auth/index.ts';
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

/**
 * On a seeded database (through `admin`, on the primary): a staff user and its API token, `clients` alert
 * summaries of autoland made for the workload (one per client), and the routed endpoint (10 signatures' data).
 */
export async function prepareWorkload(admin: pg.Pool, clients: number): Promise<Workload> {
  const sheriff = await createUser(admin, {
    username: 'bench-sheriff',
    email: 'b@example.com',
    isStaff: true,
  });
  const sheriffToken = await issueToken(admin, sheriff.id);
  const autoland = (await admin.query("SELECT id FROM repository WHERE name = 'autoland'")).rows[0]
    .id as number;
  const pushes = (await admin.query('SELECT id FROM push WHERE repository_id = $1 ORDER BY time', [autoland]))
    .rows;
  const framework = (
    await admin.query('SELECT framework_id FROM performance_signature WHERE repository_id = $1 LIMIT 1', [
      autoland,
    ])
  ).rows[0].framework_id;
  const taken = new Set(
    (await admin.query('SELECT push_id, prev_push_id FROM performance_alert_summary')).rows.map(
      (r) => `${r.push_id}/${r.prev_push_id}`,
    ),
  );
  const summaries: number[] = [];
  for (let i = 1; i < pushes.length && summaries.length < clients; i++) {
    for (let j = 0; j < i && summaries.length < clients; j++) {
      if (taken.has(`${pushes[i].id}/${pushes[j].id}`)) continue;
      const { rows } = await admin.query(
        `INSERT INTO performance_alert_summary (repository_id, framework_id, push_id, prev_push_id, original_push_id,
           original_prev_push_id, manually_created, created, last_updated, triage_due_date, bug_due_date)
         VALUES ($1, $2, $3, $4, $3, $4, true, now(), now(), now(), now()) RETURNING id`,
        [autoland, framework, pushes[i].id, pushes[j].id],
      );
      summaries.push(rows[0].id);
    }
  }
  const signatures = (
    await admin.query('SELECT id FROM performance_signature WHERE repository_id = $1 ORDER BY id LIMIT 10', [
      autoland,
    ])
  ).rows.map((r) => r.id);
  return {
    summaries,
    routedPath: `/api/project/autoland/performance/data/?${signatures.map((s) => `signature_id=${s}`).join('&')}`,
    sheriffToken,
  };
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
