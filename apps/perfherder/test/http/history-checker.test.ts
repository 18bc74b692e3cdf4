/**
 * The consistency levels proven by a history checker, not by examples: 16 concurrent HTTP clients each loop
 * write → read-own-write → read on a real primary with two streaming replicas, while ingestion writes datums
 * and replay is paused and resumed on the replicas at random moments. Every operation is recorded; then, per
 * client, read-your-writes (a read of a key the client wrote shows that write or a later one) and monotonic reads
 * (the versions a client sees of a key never go down) are checked. `read_your_writes` must show 0 violations of
 * the first, `monotonic` of both; under `eventual` they are counted and must be found (so the checker can fail).
 *
 * Keys and their versions: each client's own alert summary (`notes` = `r<run> c<client> v<k>`) and own alert
 * (`starred` alternates, checked exactly), another client's summary (monotonic only), and the number of
 * datums of a set of signatures (grows with ingestion; monotonic only). The alert-summary and alert GETs are
 * opted into replica reads (READ_REPLICA_ALERT_READS) so that they can be stale at all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { type ConsistencyLevel, readRouterConfig } from 'replica-router';
import { captureQueries } from 'replica-router/testing';
import { build } from '../../src/app.ts';
import { createUser, issueToken } from '../../src/auth/index.ts';
import { createServicePool } from '../../src/db/create-service-pool.ts';
import { runIngest } from '../../src/ingest/index.ts';
import { seed } from '../../src/seed/index.ts';
import { insertPerfAlertSummary } from '../fixtures/index.ts';
import { type TestDatabase, withTestDatabase } from '../support/database.ts';

const CLIENTS = 16;
const RUN_MS = 6000;
const SECRET = 'history-checker-test-secret-0123456789-abcdef';

interface Fixture {
  /** The client's own summary and alert (it is their only writer). */
  readonly summaries: readonly number[];
  readonly alerts: readonly number[];
  /** Signatures whose datum count the clients watch grow. */
  readonly signatures: readonly number[];
  readonly sheriffToken: string;
}

/** One recorded operation. */
interface Op {
  readonly client: number;
  readonly kind: 'write' | 'read';
  readonly key: string;
  /** Written or read version (-1: none of this run yet). */
  readonly version: number;
  readonly status: number;
}

interface RunResult {
  readonly ops: readonly Op[];
  readonly rywViolations: number;
  readonly monotonicViolations: number;
  readonly replicaShare: number;
  readonly statuses: ReadonlyMap<number, number>;
}

let db: TestDatabase;
let fixture: Fixture;

before(async () => {
  db = await withTestDatabase({ replicas: 2, stopAfter: false });
  await seed(db.urls.primary, { size: 'tiny', seed: 11 });
  await db.primary.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const one = async (sql: string) => (await db.primary.query(sql)).rows;
  const [autoland] = await one("SELECT id FROM repository WHERE name = 'autoland'");
  const pushes = (await one(`SELECT id FROM push WHERE repository_id = ${autoland.id} ORDER BY time`)).map(
    (r) => r.id as number,
  );
  const [framework] = await one(
    `SELECT framework_id AS id FROM performance_signature WHERE repository_id = ${autoland.id} LIMIT 1`,
  );
  // A summary per client, on push pairs no seeded summary uses, so each has exactly one writer.
  const taken = new Set(
    (await one('SELECT push_id, prev_push_id FROM performance_alert_summary')).map(
      (r) => `${r.push_id}/${r.prev_push_id}`,
    ),
  );
  const summaries: number[] = [];
  for (let i = 1; i < pushes.length && summaries.length < CLIENTS; i++) {
    for (let j = 0; j < i && summaries.length < CLIENTS; j++) {
      if (taken.has(`${pushes[i]}/${pushes[j]}`)) continue;
      const row = await insertPerfAlertSummary(db.primary, {
        repository_id: autoland.id,
        framework_id: framework.id,
        push_id: pushes[i]!,
        prev_push_id: pushes[j]!,
      });
      summaries.push(row.id);
    }
  }
  assert.equal(summaries.length, CLIENTS);
  const alerts = (
    await one(`SELECT a.id FROM performance_alert a JOIN performance_alert_summary s ON s.id = a.summary_id
                JOIN repository r ON r.id = s.repository_id WHERE r.active_status = 'active'
               ORDER BY a.id LIMIT ${CLIENTS}`)
  ).map((r) => r.id as number);
  assert.equal(alerts.length, CLIENTS);
  const signatures = (
    await one(
      `SELECT id FROM performance_signature WHERE repository_id = ${autoland.id} ORDER BY id LIMIT 20`,
    )
  ).map((r) => r.id as number);
  const sheriff = await createUser(db.primary, {
    username: 'checker',
    email: 'c@example.com',
    isStaff: true,
  });
  fixture = { summaries, alerts, signatures, sheriffToken: await issueToken(db.primary, sheriff.id) };
  await db.cluster.waitForReplicas();
});

after(async () => {
  for (const replica of db?.cluster.replicas ?? []) await replica.resumeReplay().catch(() => {});
  await db?.close();
});

/** The service at `consistency`, with the alert GETs on replicas, listening on a free port. */
async function serviceAt(consistency: ConsistencyLevel, alertReplicaReads = true): Promise<FastifyInstance> {
  const { primaryUrl: _p, replicaUrls: _r, ...defaults } = readRouterConfig({});
  const pool = createServicePool({
    ...defaults,
    poolMax: 8,
    probeMs: 250,
    consistency,
    tokenSecret: SECRET,
    primaryUrl: db.urls.primary,
    replicaUrls: [...db.urls.replicas],
  });
  pool.on('error', () => {});
  // Built directly (not from the environment), so that `eventual` can be run with the alert reads opted in:
  // the configuration refuses that pair precisely because of what this test shows.
  const app = await build({ pool, closePool: true, logger: false, alertReplicaReads });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

/** Pauses and resumes replay on each replica at random moments until `until`; every replica resumed at the end. */
async function chaos(until: number): Promise<number> {
  let pauses = 0;
  await Promise.all(
    db.cluster.replicas.map(async (replica) => {
      let paused = false;
      while (Date.now() < until) {
        await sleep(200 + Math.random() * 800);
        if (Date.now() >= until) break;
        if (paused) await replica.resumeReplay();
        else {
          await replica.pauseReplay();
          pauses++;
        }
        paused = !paused;
      }
      if (paused) await replica.resumeReplay();
    }),
  );
  return pauses;
}

function versionOf(notes: unknown, run: number, client: number): number {
  const match = typeof notes === 'string' ? /^r(\d+) c(\d+) v(\d+)$/.exec(notes) : null;
  if (!match || Number(match[1]) !== run || Number(match[2]) !== client) return -1;
  return Number(match[3]);
}

/** Runs the clients against `base` for RUN_MS and checks the history. */
async function run(base: string, app: FastifyInstance, runNo: number): Promise<RunResult> {
  const ops: Op[] = [];
  let ryw = 0;
  let monotonic = 0;
  const until = Date.now() + RUN_MS;
  const statsBefore = app.db.stats().reasons;
  const client = async (c: number) => {
    let token: string | undefined;
    const seen = new Map<string, number>();
    const call = async (method: 'GET' | 'PUT', path: string, body?: object) => {
      const headers: Record<string, string> = {};
      if (token) headers['x-causal-token'] = token;
      if (body) {
        headers['content-type'] = 'application/json';
        headers.authorization = `Bearer ${fixture.sheriffToken}`;
      }
      const res = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      token = res.headers.get('x-causal-token') ?? token;
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    /** Records a read of `key` at `version`; counts a monotonic violation when it went down. */
    const observe = (key: string, version: number, status: number) => {
      ops.push({ client: c, kind: 'read', key, version, status });
      const previous = seen.get(key) ?? -1;
      if (version < previous) monotonic++;
      else seen.set(key, version);
    };
    const own = fixture.summaries[c]!;
    const other = fixture.summaries[(c + 1) % CLIENTS]!;
    const alert = fixture.alerts[c]!;
    const signatureQuery = fixture.signatures.map((s) => `signature_id=${s}`).join('&');
    for (let k = 1; Date.now() < until; k++) {
      // write: the summary's notes and the alert's star
      const starred = k % 2 === 1;
      const w1 = await call('PUT', `/api/performance/alertsummary/${own}/`, {
        notes: `r${runNo} c${c} v${k}`,
      });
      ops.push({ client: c, kind: 'write', key: `summary:${own}`, version: k, status: w1.status });
      const w2 = await call('PUT', `/api/performance/alert/${alert}/`, { starred });
      ops.push({ client: c, kind: 'write', key: `alert:${alert}`, version: k, status: w2.status });
      // read own writes
      const mine = await call('GET', `/api/performance/alertsummary/${own}/`);
      const version = versionOf(mine.json.notes, runNo, c);
      if (version < k) ryw++;
      observe(`summary:${own}`, version, mine.status);
      const myAlert = await call('GET', `/api/performance/alert/${alert}/`);
      ops.push({
        client: c,
        kind: 'read',
        key: `alert:${alert}`,
        version: myAlert.json.starred === starred ? k : -1,
        status: myAlert.status,
      });
      if (myAlert.json.starred !== starred) ryw++;
      // read, twice in a row (round-robin then tends to ask both replicas): someone else's summary, and the
      // datums ingestion keeps adding (a routed endpoint)
      for (let twice = 0; twice < 2; twice++) {
        const theirs = await call('GET', `/api/performance/alertsummary/${other}/`);
        observe(`summary:${other}`, versionOf(theirs.json.notes, runNo, (c + 1) % CLIENTS), theirs.status);
        const data = await call('GET', `/api/project/autoland/performance/data/?${signatureQuery}`);
        const datums = Object.values(data.json).reduce(
          (n: number, list) => n + (Array.isArray(list) ? list.length : 0),
          0,
        );
        observe('datums', datums, data.status);
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  const after = app.db.stats().reasons;
  const delta = (reason: keyof typeof after) => after[reason] - statsBefore[reason];
  const routed = delta('routed');
  const couldRoute =
    routed + delta('causal_behind') + delta('replica_down') + delta('replica_lagging') + delta('fallback');
  const statuses = new Map<number, number>();
  for (const op of ops) statuses.set(op.status, (statuses.get(op.status) ?? 0) + 1);
  return {
    ops,
    rywViolations: ryw,
    monotonicViolations: monotonic,
    replicaShare: couldRoute === 0 ? 0 : routed / couldRoute,
    statuses,
  };
}

describe('history checker: 16 clients, replay paused and resumed at random, ingestion running', () => {
  const results: [ConsistencyLevel, RunResult, number][] = [];
  after(() => {
    const rows = results.map(([level, r, pauses]) => ({
      level,
      operations: r.ops.length,
      'replica share of routable reads': `${(r.replicaShare * 100).toFixed(1)} %`,
      'read-your-writes violations': r.rywViolations,
      'monotonic violations': r.monotonicViolations,
      'replay pauses': pauses,
    }));
    console.log(`history checker (${CLIENTS} clients, ${RUN_MS / 1000} s per level)`);
    console.table(rows);
  });

  const levels: ConsistencyLevel[] = ['eventual', 'read_your_writes', 'monotonic'];
  for (const [i, level] of levels.entries()) {
    test(level, async () => {
      const app = await serviceAt(level);
      try {
        const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
        const until = Date.now() + RUN_MS;
        const [result, pauses] = await Promise.all([
          run(base, app, i + 1),
          chaos(until),
          runIngest(db.urls.primary, { ratePerSecond: 200, durationMs: RUN_MS, seed: 100 + i }),
        ]);
        results.push([level, result, pauses]);
        assert.ok(result.ops.length > CLIENTS * 8, `only ${result.ops.length} operations`);
        assert.deepEqual(
          [...result.statuses.keys()],
          [200],
          `statuses ${JSON.stringify([...result.statuses])}`,
        );
        assert.ok(pauses > 0, 'replay was paused during the run');
        if (level === 'eventual') {
          // The checker can fail: without tokens, clients read their own writes stale and see time go back.
          assert.ok(
            result.rywViolations + result.monotonicViolations > 0,
            'the checker found nothing under eventual',
          );
        } else {
          assert.equal(result.rywViolations, 0, 'read-your-writes violated');
          if (level === 'monotonic') assert.equal(result.monotonicViolations, 0, 'monotonic reads violated');
        }
        assert.ok(result.replicaShare > 0, 'some reads were served by replicas');
      } finally {
        await app.close();
        await db.cluster.waitForReplicas();
      }
    });
  }
});

describe('READ_REPLICA_ALERT_READS', () => {
  for (const on of [false, true]) {
    test(`${on ? 'on' : 'off (the default)'}: the alert-summary and alert GETs read from ${on ? 'a replica' : 'the primary'}`, async () => {
      const app = await serviceAt('read_your_writes', on);
      try {
        await app.db.probeReplicas();
        const urls = [
          `/api/performance/alertsummary/${fixture.summaries[0]}/`,
          `/api/performance/alert/${fixture.alerts[0]}/`,
        ];
        for (const url of urls) {
          const { result, queries } = await captureQueries(() => app.inject(url));
          assert.equal(result.statusCode, 200);
          const aliases = queries.filter((q) => !/auth_user/.test(q.sql)).map((q) => q.alias);
          assert.ok(aliases.length > 0);
          assert.deepEqual(new Set(aliases), new Set([on ? 'read_replica' : 'default']), url);
          // The user names come from `auth`, which never reads from a replica.
          for (const q of queries.filter((q) => /auth_user/.test(q.sql))) assert.equal(q.alias, 'default');
        }
        // From the servers' side: the summary statement ran on a replica only when opted in.
        const calls = async () => {
          let n = 0;
          for (const replica of db.cluster.replicas) {
            const rows = await replica.query<{ n: string | null }>(
              "SELECT sum(calls)::text AS n FROM pg_stat_statements WHERE query LIKE '%performance_tag_alert_summaries%'",
              [],
              'perfherder',
            );
            n += Number(rows[0]?.n ?? 0);
          }
          return n;
        };
        const before = await calls();
        await app.inject(urls[0]!);
        assert.equal((await calls()) - before, on ? 1 : 0);
      } finally {
        await app.close();
      }
    });
  }
});
