/**
 * Real faults between the routed pool and a real streaming replica: a stopped, killed, stalled, reset, full
 * and refusing replica. Every opted-in read must still return the right rows, served by the primary (asked
 * from the server itself), with one fallback WARN for the request that met the fault, an ejected replica
 * for the requests after it (with one `db_routing_replica_ejected` WARN on the pool's logger), and the replica
 * back in use once the fault is gone and probes readmitted it (one `db_routing_replica_readmitted` INFO). The
 * pools probe only when the test says (`probeReplicas()`), so no probe finds a fault before the request does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { type Cluster, type ReplicaNode, startCluster } from 'pg-devcluster';
import { RoutedPool, type RoutedPoolOptions, runInReplicaScope } from '../src/index.ts';
import { type CapturedQuery, captureQueries } from '../src/testing/index.ts';
import { type LogLine, recordingLogger } from './support/recording-logger.ts';

const DATABASE = 'faults';
const EXPECTED = [
  { id: 1, v: 'a' },
  { id: 2, v: 'b' },
  { id: 3, v: 'c' },
];
/** Where the row came from is part of the row: the server answers, not a spy. */
const READ =
  'SELECT id, v, pg_is_in_recovery() AS in_recovery, inet_server_port() AS port FROM fault_item ORDER BY id';
const COUNT = 'SELECT count(*)::int AS n, pg_is_in_recovery() AS in_recovery FROM fault_item';
const LONG_READ =
  'SELECT t.id, t.v, pg_is_in_recovery() AS in_recovery, inet_server_port() AS port FROM pg_sleep(1) AS s, fault_item AS t ORDER BY t.id';
/** Only the start-up probe runs on its own: the test probes by hand. */
const PROBE_MS = 600_000;

interface ScopeRun {
  readonly rows: Record<string, unknown>[][];
  readonly queries: CapturedQuery[];
  readonly warns: LogLine[];
}

/** One opted-in GET request: its statements in a replica scope with its own logger, captured. */
async function request(pool: RoutedPool, path: string, statements: readonly string[]): Promise<ScopeRun> {
  const log = recordingLogger();
  const { result, queries } = await captureQueries(() =>
    runInReplicaScope(
      async () => {
        const rows: Record<string, unknown>[][] = [];
        for (const sql of statements) rows.push((await pool.query(sql)).rows);
        return rows;
      },
      { path, method: 'GET', log },
    ),
  );
  const warns = log.lines.filter((l) => l.level === 'warn');
  if (process.env.FAULTS_DEBUG)
    console.log(
      path,
      warns.map((w) => w.msg),
      queries.map((q) => [q.alias, q.reason, (q.error as Error | undefined)?.message]),
    );
  return { rows: result, queries, warns };
}

function errorMessage(query: CapturedQuery | undefined): string {
  return query?.error instanceof Error ? query.error.message : String(query?.error);
}

function dataOf(rows: Record<string, unknown>[] | undefined): { id: unknown; v: unknown }[] {
  return (rows ?? []).map((r) => ({ id: r.id, v: r.v }));
}

function assertFromPrimary(rows: Record<string, unknown>[] | undefined, primaryPort: number): void {
  assert.ok(rows && rows.length > 0);
  for (const row of rows) {
    assert.equal(row.in_recovery, false, 'served by a server in recovery');
    if ('port' in row) assert.equal(row.port, primaryPort);
  }
}

describe('faults: a broken replica never breaks an opted-in read', () => {
  let cluster: Cluster;
  let replica: ReplicaNode;
  let urls: { primary: string; replicas: readonly string[] };
  const pools: RoutedPool[] = [];
  /** Each pool's own logger (state changes). */
  const poolLogs = new Map<RoutedPool, ReturnType<typeof recordingLogger>>();

  before(async () => {
    // max_connections is lowered on every node (a standby refuses to start with fewer than its primary, so
    // it must be the same value): case (e) then needs 20 idle sessions, not 60, to fill the replica.
    cluster = await startCluster({ replicas: 1, proxies: true, settings: { max_connections: 20 } });
    replica = cluster.replicas[0]!;
    urls = await cluster.createDatabase(DATABASE);
    const setup = [
      'CREATE TABLE fault_item (id int PRIMARY KEY, v text NOT NULL)',
      "INSERT INTO fault_item VALUES (1, 'a'), (2, 'b'), (3, 'c')",
      'CREATE TABLE fault_log (id serial PRIMARY KEY, note text NOT NULL)',
      // Writes, yet the test pool's configuration declares it read-only: the honest way to make a replica
      // answer 25006 read_only_sql_transaction to a statement the router sent it.
      'CREATE FUNCTION fault_note(text) RETURNS int LANGUAGE sql AS $$ INSERT INTO fault_log (note) VALUES ($1) RETURNING id $$',
    ];
    for (const sql of setup) await cluster.primary.query(sql, [], DATABASE);
    await cluster.waitForReplicas();
  });

  after(async () => {
    await Promise.allSettled(pools.map((p) => p.end()));
    await cluster?.stop();
  });

  /** A pool whose start-up probe has answered (the replica is healthy) before the test breaks anything. */
  async function newPool(options: Partial<RoutedPoolOptions> = {}): Promise<RoutedPool> {
    const logger = recordingLogger();
    const pool = new RoutedPool({
      primary: urls.primary,
      replicas: urls.replicas,
      tableApps: { fault_item: 'perf', fault_log: 'perf' },
      max: 4,
      replicaConnectTimeoutMs: 300,
      replicaQueryTimeoutMs: 1000,
      probeMs: PROBE_MS,
      probeTimeoutMs: 500,
      // These cases are the fallback paths (a failed replica statement reruns on the primary): hedging off, so a
      // slow statement is not answered by a hedge first. Hedged reads have their own file (hedged-reads.test.ts).
      hedgeMs: 0,
      logger,
      ...options,
    });
    pools.push(pool);
    poolLogs.set(pool, logger);
    await pool.probeReplicas();
    assert.equal(pool.stats().replicas[0]?.state, 'healthy');
    return pool;
  }

  /** The pool's state-change lines (ejected, readmitted), in order. */
  function stateLines(pool: RoutedPool): string[] {
    return (poolLogs.get(pool)?.lines ?? [])
      .filter((l) => /^db_routing_replica_(ejected|readmitted) /.test(l.msg))
      .map((l) => `${l.level} ${l.msg.replace(/after_ms=\d+/, 'after_ms=N')}`);
  }

  /** The first request met the fault: right rows from the primary, one WARN, the replica ejected. */
  function assertFellBack(run: ScopeRun, path: string, exceptionType: RegExp, pool: RoutedPool): void {
    assert.deepEqual(dataOf(run.rows[0]), EXPECTED);
    assertFromPrimary(run.rows[0], cluster.primary.port);
    const [attempt, ...rest] = run.queries;
    assert.equal(attempt?.alias, 'read_replica');
    assert.equal(attempt?.retried, true, 'the replica attempt was retried');
    assert.ok(attempt?.error instanceof Error);
    assert.ok(rest.length > 0);
    for (const q of rest) assert.deepEqual([q.alias, q.reason, q.error], ['default', 'fallback', undefined]);
    assert.equal(run.warns.length, 1, 'exactly one fallback WARN for the request');
    const warn = run.warns[0]!;
    const match = /^db_routing_fallback path=(\S+) method=GET exception_type=(\S+)$/.exec(warn.msg);
    assert.ok(match, warn.msg);
    assert.equal(match[1], path);
    assert.match(match[2] ?? '', exceptionType);
    assert.deepEqual(warn.fields, {
      db_routing: 'fallback',
      path,
      method: 'GET',
      exception_type: match[2],
    });
    assert.equal(pool.stats().replicas[0]?.state, 'ejected');
  }

  /** A later request does not try the ejected replica at all, so it pays no timeout and logs nothing. */
  function assertSkipsReplica(run: ScopeRun): void {
    assert.deepEqual(dataOf(run.rows[0]), EXPECTED);
    assertFromPrimary(run.rows[0], cluster.primary.port);
    assert.ok(run.queries.length > 0);
    for (const q of run.queries) assert.deepEqual([q.alias, q.reason], ['default', 'replica_down']);
    assert.equal(run.warns.length, 0);
  }

  /**
   * Once the fault is gone, probes readmit the replica (two good ones in a row), and reads go to it again. Each
   * state change was logged once: ejected (WARN), readmitted (INFO).
   */
  async function assertReplicaBack(pool: RoutedPool, path: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    let probes = 0;
    while (pool.stats().replicas[0]?.state !== 'healthy') {
      assert.ok(Date.now() < deadline, `never readmitted: ${JSON.stringify(pool.stats().replicas[0])}`);
      await pool.probeReplicas();
      probes++;
      if (pool.stats().replicas[0]?.state !== 'healthy') await sleep(50);
    }
    assert.ok(probes >= 2, 'readmitted after two good probes in a row, not one');
    assert.deepEqual(stateLines(pool), [
      // The request met the fault first: no probe ran between the fault and it.
      'warn db_routing_replica_ejected replica=replica_1 reason=connection_error',
      'info db_routing_replica_readmitted replica=replica_1 after_ms=N',
    ]);
    const run = await request(pool, path, [READ]);
    assert.deepEqual(dataOf(run.rows[0]), EXPECTED);
    for (const row of run.rows[0] ?? []) {
      assert.equal(row.in_recovery, true);
      assert.equal(row.port, replica.port);
    }
    assert.deepEqual(
      run.queries.map((q) => [q.alias, q.reason, q.error]),
      [['read_replica', 'routed', undefined]],
    );
    assert.equal(run.warns.length, 0);
  }

  /** The common shape of a fault case: break, two requests, repair, replica used again. */
  async function faultCase(
    name: string,
    exceptionType: RegExp,
    inject: () => Promise<void>,
    restore: () => Promise<void>,
    options: Partial<RoutedPoolOptions> = {},
  ): Promise<void> {
    const pool = await newPool(options);
    await inject();
    try {
      const first = await request(pool, `/fault/${name}/1`, [READ, COUNT]);
      assertFellBack(first, `/fault/${name}/1`, exceptionType, pool);
      assert.deepEqual(first.rows[1], [{ n: 3, in_recovery: false }]);
      assertSkipsReplica(await request(pool, `/fault/${name}/2`, [READ]));
      assert.equal(pool.stats().fallbacks, 1);
    } finally {
      await restore();
    }
    await assertReplicaBack(pool, `/fault/${name}/3`);
    await pool.end();
  }

  it('(a) replica stopped (fast shutdown)', async () => {
    // Through the proxy the TCP connect succeeds, then the proxy's upstream is refused and it hangs up.
    await faultCase(
      'stopped',
      /^(connection_terminated|ECONNRESET|ECONNREFUSED|57P01)$/,
      () => replica.stop('fast'),
      () => replica.start(),
    );
  });

  it('(b) replica killed (kill -9) while a long query runs on it', async () => {
    const pool = await newPool({ replicaQueryTimeoutMs: 10_000 });
    const path = '/fault/killed/1';
    const running = request(pool, path, [LONG_READ, COUNT]);
    // Kill only once the server itself reports the statement running.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [row] = await replica.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE state = 'active' AND query LIKE '%pg_sleep(1)%' AND pid <> pg_backend_pid()`,
        [],
        DATABASE,
      );
      if (row?.n === 1) break;
      assert.ok(Date.now() < deadline, 'the long query never started on the replica');
      await sleep(20);
    }
    try {
      await replica.kill();
      const first = await running;
      assertFellBack(first, path, /^(connection_terminated|ECONNRESET)$/, pool);
      assert.match(errorMessage(first.queries[0]), /terminated|ECONNRESET|closed/i);
      assert.equal(first.queries[1]?.sql, LONG_READ, 'the same statement ran again on the primary');
      assertSkipsReplica(await request(pool, '/fault/killed/2', [READ]));
    } finally {
      await replica.start();
    }
    await assertReplicaBack(pool, '/fault/killed/3');
    await pool.end();
  });

  it('(c) stalled proxy (accepts, never answers): fails over at the connect timeout', async () => {
    const proxy = replica.proxy!;
    const pool = await newPool();
    await proxy.setMode('stall');
    try {
      const started = performance.now();
      const first = await request(pool, '/fault/stalled/1', [READ]);
      const elapsed = performance.now() - started;
      assertFellBack(first, '/fault/stalled/1', /^connect_timeout$/, pool);
      // The connect timeout (300 ms) fired, not the query timeout or a hang.
      assert.match(
        errorMessage(first.queries[0]),
        /connection timeout|timeout exceeded when trying to connect/,
      );
      // A hang guard, not a performance assertion: far below the 30 s default query timeout.
      assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
      assertSkipsReplica(await request(pool, '/fault/stalled/2', [READ]));
    } finally {
      await proxy.setMode('pass');
    }
    await assertReplicaBack(pool, '/fault/stalled/3');
    await pool.end();
  });

  it('(c′) stall on an open connection: the query timeout fails it over and ejects', async () => {
    const proxy = replica.proxy!;
    const pool = await newPool();
    // Warm: one idle replica connection the stall then freezes mid-conversation.
    const warm = await request(pool, '/fault/stalled-open/0', [READ]);
    assert.equal(warm.queries[0]?.alias, 'read_replica');
    await proxy.setMode('stall');
    try {
      const first = await request(pool, '/fault/stalled-open/1', [READ, COUNT]);
      assertFellBack(first, '/fault/stalled-open/1', /^query_timeout$/, pool);
      assert.match(errorMessage(first.queries[0]), /Query read timeout/);
      assertSkipsReplica(await request(pool, '/fault/stalled-open/2', [READ]));
    } finally {
      await proxy.setMode('pass');
    }
    await assertReplicaBack(pool, '/fault/stalled-open/3');
    await pool.end();
  });

  it('(d) connections reset', async () => {
    const proxy = replica.proxy!;
    await faultCase(
      'reset',
      /^(ECONNRESET|connection_terminated)$/,
      () => proxy.setMode('reset'),
      () => proxy.setMode('pass'),
    );
  });

  it('(e) replica at max_connections (53300)', async () => {
    // Fill the replica with real idle sessions until the server itself refuses one with 53300
    // too_many_connections. They connect straight to the server (not through the proxy) as the cluster's
    // superuser, which may also take the superuser_reserved_connections slots: the server is then full
    // for everyone, including the pool's superuser connections.
    const fillers: pg.Client[] = [];
    const fill = async () => {
      for (let i = 0; i < 100; i++) {
        const client = new pg.Client({ connectionString: replica.directUrl });
        client.on('error', () => {});
        try {
          await client.connect();
        } catch (error) {
          assert.equal((error as { code?: string }).code, '53300', String(error));
          return;
        }
        fillers.push(client);
      }
      assert.fail('the replica never reached max_connections');
    };
    await faultCase('full', /^53300$/, fill, async () => {
      await Promise.all(fillers.map((c) => c.end()));
    });
    // max_connections, less the one connection the pool's probe keeps open on the replica.
    assert.equal(fillers.length, 19);
  });

  it('(f) replica refusing connections (ECONNREFUSED), also under concurrent requests', async () => {
    const proxy = replica.proxy!;
    const pool = await newPool();
    await proxy.setMode('refuse');
    try {
      // Requests already in flight when the replica went away each meet the fault once, and each logs once.
      const runs = await Promise.all(
        [1, 2, 3, 4].map((i) => request(pool, `/fault/refused/${i}`, [READ, COUNT, READ])),
      );
      for (const [i, run] of runs.entries()) {
        assert.deepEqual(dataOf(run.rows[0]), EXPECTED);
        assert.deepEqual(dataOf(run.rows[2]), EXPECTED);
        for (const rows of run.rows) assertFromPrimary(rows, cluster.primary.port);
        assert.ok(run.warns.length <= 1, `request ${i + 1} logged ${run.warns.length} WARNs`);
        assert.equal(run.queries.filter((q) => q.alias === 'read_replica').length, run.warns.length);
        for (const w of run.warns) assert.match(w.msg, / exception_type=ECONNREFUSED$/);
      }
      assert.ok(runs.some((r) => r.warns.length === 1));
      assert.equal(pool.stats().replicas[0]?.state, 'ejected');
      assertSkipsReplica(await request(pool, '/fault/refused/5', [READ]));
    } finally {
      await proxy.setMode('pass');
    }
    await assertReplicaBack(pool, '/fault/refused/6');
    await pool.end();
  });

  it('with the replica refusing, an error on the primary propagates (the primary’s, not the replica’s)', async () => {
    const proxy = replica.proxy!;
    const pool = await newPool();
    await proxy.setMode('refuse');
    try {
      const log = recordingLogger();
      await assert.rejects(
        runInReplicaScope(() => pool.query('SELECT 1 / (count(*) - 3) AS boom FROM fault_item'), {
          path: '/fault/primary-error',
          method: 'GET',
          log,
        }),
        { code: '22012' },
      );
      assert.equal(log.lines.filter((l) => l.level === 'warn').length, 1);
    } finally {
      await proxy.setMode('pass');
    }
    await pool.end();
  });

  it('an error that is not operational propagates from the replica without a retry', async () => {
    const pool = await newPool();
    for (const [sql, code] of [
      ['SELECT 1 / (count(*) - 3) AS boom FROM fault_item', '22012'],
      ['SELECT no_such_column FROM fault_item', '42703'],
    ] as const) {
      const log = recordingLogger();
      let thrown: unknown;
      const { queries } = await captureQueries(() =>
        runInReplicaScope(
          () =>
            pool.query(sql).catch((error: unknown) => {
              thrown = error;
            }),
          { path: '/fault/not-operational', method: 'GET', log },
        ),
      );
      assert.equal((thrown as { code?: string }).code, code, String(thrown));
      assert.equal(queries.length, 1, 'no retry on the primary');
      assert.equal(queries[0]?.alias, 'read_replica');
      assert.equal(queries[0]?.error, thrown);
      assert.equal(queries[0]?.retried, undefined);
      assert.equal(log.lines.length, 0);
    }
    assert.equal(pool.stats().fallbacks, 0);
    assert.equal(pool.stats().replicas[0]?.state, 'healthy');
    await pool.end();
  });

  it('25006 from the replica (a writing function declared read-only) is retried on the primary, no eject', async () => {
    const pool = await newPool({ readOnlyFunctions: ['fault_note'] });
    const note = `note-${process.pid}-${Date.now()}`;
    const sql = 'SELECT fault_note($1) AS id, pg_is_in_recovery() AS in_recovery';
    const log = recordingLogger();
    const { result, queries } = await captureQueries(() =>
      runInReplicaScope(() => pool.query(sql, [note]), { path: '/fault/25006', method: 'GET', log }),
    );
    assert.equal(result.rows[0]?.in_recovery, false);
    assert.deepEqual(
      queries.map((q) => [q.alias, q.reason, (q.error as { code?: string } | undefined)?.code, q.retried]),
      [
        ['read_replica', 'routed', '25006', true],
        ['default', 'fallback', undefined, undefined],
      ],
    );
    const warns = log.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
    assert.deepEqual(warns, ['db_routing_fallback path=/fault/25006 method=GET exception_type=25006']);
    // Exactly one insert: the replica's attempt wrote nothing.
    const inserted = await cluster.primary.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM fault_log WHERE note = $1',
      [note],
      DATABASE,
    );
    assert.equal(inserted[0]?.n, 1);
    // A statement error, not a sick replica: it keeps serving the next request.
    assert.equal(pool.stats().replicas[0]?.state, 'healthy');
    const next = await request(pool, '/fault/25006/next', [READ]);
    assert.equal(next.queries[0]?.reason, 'routed');
    assert.equal(next.rows[0]?.[0]?.in_recovery, true);
    await pool.end();
  });
});
