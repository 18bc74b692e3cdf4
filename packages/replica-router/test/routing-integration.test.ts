// Where statements really run, asked of the servers themselves: `pg_is_in_recovery()` and
// `inet_server_port()` in the statement, and each server's own `pg_stat_user_tables` counters.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type { ReplicaNode } from 'pg-devcluster';
import { runInReplicaScope } from '../src/index.ts';
import { type CapturedQuery, captureQueries } from '../src/testing/index.ts';
import {
  nonZero,
  pollUntil,
  type RoutingCluster,
  type ServedBy,
  seqScans,
  startRoutingCluster,
  WHERE,
} from './support/routing-cluster.ts';

let rc: RoutingCluster;
let replica: ReplicaNode;
let primaryPort: number;
let replicaPort: number;
/** host:port the pools connect to: the replica's fault proxy, and the primary itself. */
let replicaHost: string;
let primaryHost: string;

before(async () => {
  rc = await startRoutingCluster();
  replica = rc.cluster.replicas[0]!;
  primaryPort = rc.cluster.primary.port;
  replicaPort = replica.port;
  replicaHost = `127.0.0.1:${new URL(rc.urls.replicas[0]!).port}`;
  primaryHost = `127.0.0.1:${primaryPort}`;
});
after(() => rc?.stop());

const onReplica = (): ServedBy => ({ in_recovery: true, server_port: replicaPort });
const onPrimary = (): ServedBy => ({ in_recovery: false, server_port: primaryPort });

function servedBy(row: Record<string, unknown> | undefined): ServedBy {
  assert.ok(row, 'a row came back');
  return { in_recovery: row.in_recovery as boolean, server_port: row.server_port as number };
}

/** Run `fn` with replay paused on the replica: a read it serves cannot see anything written meanwhile. */
async function withReplayPaused<T>(fn: () => Promise<T>): Promise<T> {
  await replica.pauseReplay();
  try {
    return await fn();
  } finally {
    await replica.resumeReplay();
    await rc.cluster.waitForReplicas();
  }
}

function summary(queries: readonly CapturedQuery[]) {
  return queries.map((q) => ({ alias: q.alias, node: q.node, host: q.host, reason: q.reason }));
}

describe('opted-in reads', () => {
  test('are served by the replica: captureQueries, inet_server_port() and the servers’ seq_scan agree', async () => {
    const table = 'perf_scan_probe';
    const primaryBefore = await seqScans(rc.cluster.primary, rc.database, table);
    const replicaBefore = await seqScans(replica, rc.database, table);
    const pool = rc.makePool();
    const reads = 4;
    const { result: rows, queries } = await captureQueries(() =>
      runInReplicaScope(async () => {
        const out = [];
        for (let i = 0; i < reads; i++) {
          // No index on value: each of these is one sequential scan, on whichever server runs it.
          const { rows } = await pool.query(
            `SELECT count(*)::int AS n, ${WHERE} FROM perf_scan_probe WHERE value > $1`,
            [0],
          );
          out.push(rows[0]);
        }
        return out;
      }),
    );
    for (const row of rows) {
      assert.equal(row.n, 10);
      assert.deepEqual(servedBy(row), onReplica());
    }
    assert.equal(queries.length, reads);
    for (const q of queries) {
      assert.deepEqual(
        { alias: q.alias, node: q.node, host: q.host, reason: q.reason },
        { alias: 'read_replica', node: 'replica_1', host: replicaHost, reason: 'routed' },
      );
    }
    // Backends flush their statistics when they exit: end the pool, then watch the replica count them.
    await pool.end();
    const replicaAfter = await pollUntil(
      () => seqScans(replica, rc.database, table),
      (n) => n >= replicaBefore + reads,
      { what: `the replica's seq_scan on ${table} to grow by ${reads}` },
    );
    assert.equal(replicaAfter, replicaBefore + reads);
    assert.equal(await seqScans(rc.cluster.primary, rc.database, table), primaryBefore, 'primary scanned');
  });

  test('model tables are routed too, auth and unmapped tables are not', async () => {
    const pool = rc.makePool();
    const { result, queries } = await captureQueries(() =>
      runInReplicaScope(async () => ({
        model: (await pool.query(`SELECT ${WHERE}, count(*) FROM repository JOIN machine USING (id)`))
          .rows[0],
        auth: (await pool.query(`SELECT ${WHERE}, count(*) FROM auth_user`)).rows[0],
        unmapped: (await pool.query(`SELECT ${WHERE}, count(*) FROM unmapped_note`)).rows[0],
      })),
    );
    assert.deepEqual(servedBy(result.model), onReplica());
    assert.deepEqual(servedBy(result.auth), onPrimary());
    assert.deepEqual(servedBy(result.unmapped), onPrimary());
    assert.deepEqual(
      queries.map((q) => q.reason),
      ['routed', 'table_not_allowed', 'table_not_allowed'],
    );
  });

  test('captureQueries tells which node served each statement, and why (Prisma #46)', async () => {
    const pool = rc.makePool();
    const marker = randomUUID();
    const { queries } = await captureQueries(async () => {
      await pool.query(`SELECT ${WHERE}`); // outside the scope
      await runInReplicaScope(async () => {
        await pool.query('SELECT name FROM performance_framework WHERE id = $1', [1]);
        await pool.query('SELECT username FROM auth_user');
        await pool.query('INSERT INTO unmapped_note (note) VALUES ($1)', [marker]);
        await pool.query('SELECT name FROM performance_framework WHERE id = $1', [2]);
      });
    });
    assert.deepEqual(summary(queries), [
      { alias: 'default', node: 'primary', host: primaryHost, reason: 'not_in_scope' },
      { alias: 'read_replica', node: 'replica_1', host: replicaHost, reason: 'routed' },
      { alias: 'default', node: 'primary', host: primaryHost, reason: 'table_not_allowed' },
      { alias: 'default', node: 'primary', host: primaryHost, reason: 'write' },
      { alias: 'default', node: 'primary', host: primaryHost, reason: 'after_write' },
    ]);
    assert.deepEqual(
      queries.map((q) => q.sql),
      [
        `SELECT ${WHERE}`,
        'SELECT name FROM performance_framework WHERE id = $1',
        'SELECT username FROM auth_user',
        'INSERT INTO unmapped_note (note) VALUES ($1)',
        'SELECT name FROM performance_framework WHERE id = $1',
      ],
    );
  });
});

describe('read-your-writes within a request (replay paused, so a replica read would miss the write)', () => {
  test('a write sends the rest of the request to the primary (after_write)', async () => {
    const pool = rc.makePool();
    const marker = randomUUID();
    const { result, queries } = await withReplayPaused(() =>
      captureQueries(() =>
        runInReplicaScope(async () => {
          const before = (await pool.query(`SELECT ${WHERE} FROM performance_framework LIMIT 1`)).rows[0];
          const inserted = (
            await pool.query(
              `INSERT INTO performance_datum (signature_id, value) VALUES (1, 42) RETURNING id, ${WHERE}`,
            )
          ).rows[0];
          await pool.query('INSERT INTO unmapped_note (note) VALUES ($1)', [marker]);
          const read = (
            await pool.query(`SELECT count(*)::int AS n, ${WHERE} FROM performance_datum WHERE id = $1`, [
              inserted.id,
            ])
          ).rows[0];
          return { before, inserted, read };
        }),
      ),
    );
    assert.deepEqual(servedBy(result.before), onReplica());
    assert.deepEqual(servedBy(result.inserted), onPrimary());
    assert.deepEqual(servedBy(result.read), onPrimary());
    assert.equal(result.read.n, 1, 'the request sees its own write');
    assert.deepEqual(
      queries.map((q) => q.reason),
      ['routed', 'write', 'write', 'after_write'],
    );
  });

  test('a write inside a committed transaction counts too', async () => {
    const pool = rc.makePool();
    const marker = randomUUID();
    const read = await withReplayPaused(() =>
      runInReplicaScope(async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query('INSERT INTO performance_datum (signature_id, value) VALUES (2, $1)', [7]);
          await client.query('INSERT INTO unmapped_note (note) VALUES ($1)', [marker]);
          await client.query('COMMIT');
        } finally {
          client.release();
        }
        const { rows } = await pool.query(
          `SELECT count(*)::int AS n, ${WHERE} FROM performance_datum WHERE signature_id = 2 AND value = 7`,
        );
        return rows[0];
      }),
    );
    assert.deepEqual(servedBy(read), onPrimary());
    assert.equal(read.n, 1, 'the request sees the row its transaction committed');
  });

  test('a multi-statement string (unknown to the parser) counts as a write', async () => {
    const pool = rc.makePool();
    const marker = randomUUID();
    const { result, queries } = await withReplayPaused(() =>
      captureQueries(() =>
        runInReplicaScope(async () => {
          await pool.query(
            `INSERT INTO machine VALUES (100, '${marker}'); INSERT INTO machine VALUES (101, '${marker}')`,
          );
          return (
            await pool.query(`SELECT count(*)::int AS n, ${WHERE} FROM machine WHERE name = $1`, [marker])
          ).rows[0];
        }),
      ),
    );
    assert.equal(result.n, 2);
    assert.deepEqual(servedBy(result), onPrimary());
    assert.deepEqual(
      queries.map((q) => q.reason),
      ['unknown_statement', 'after_write'],
    );
    await rc.cluster.primary.query('DELETE FROM machine WHERE id >= 100', [], rc.database);
  });
});

describe('transactions and session state', () => {
  test('BEGIN…COMMIT through pool.connect() runs every statement on one primary connection', async () => {
    const pool = rc.makePool();
    const marker = randomUUID();
    const { result, queries } = await captureQueries(() =>
      runInReplicaScope(async () => {
        const client = await pool.connect();
        try {
          const beforeTx = (await client.query(`SELECT ${WHERE}`)).rows[0];
          await client.query('BEGIN');
          const rows = [];
          rows.push(
            (
              await client.query(
                `SELECT pg_backend_pid() AS pid, ${WHERE} FROM performance_framework LIMIT 1`,
              )
            ).rows[0],
          );
          rows.push(
            (
              await client.query(
                `INSERT INTO unmapped_note (note) VALUES ($1) RETURNING pg_backend_pid() AS pid, ${WHERE}`,
                [marker],
              )
            ).rows[0],
          );
          // Sees its own uncommitted row: only that very primary connection can.
          const seen = (
            await client.query(
              `SELECT count(*)::int AS n, pg_backend_pid() AS pid, ${WHERE} FROM unmapped_note WHERE note = $1`,
              [marker],
            )
          ).rows[0];
          rows.push(seen);
          rows.push(
            (await client.query(`SELECT pg_backend_pid() AS pid, ${WHERE} FROM repository LIMIT 1`)).rows[0],
          );
          await client.query('COMMIT');
          return { beforeTx, rows, seen };
        } finally {
          client.release();
        }
      }),
    );
    assert.deepEqual(
      servedBy(result.beforeTx),
      onReplica(),
      'before BEGIN the client still reads from the replica',
    );
    const pids = new Set(result.rows.map((r) => r.pid));
    assert.equal(pids.size, 1, `one connection, got pids ${[...pids]}`);
    for (const row of result.rows) assert.deepEqual(servedBy(row), onPrimary());
    assert.equal(result.seen.n, 1);
    assert.deepEqual(
      queries.map((q) => `${q.alias}:${q.reason}`),
      [
        'read_replica:routed',
        'default:in_transaction',
        'default:in_transaction',
        'default:in_transaction',
        'default:in_transaction',
        'default:in_transaction',
        'default:in_transaction',
      ],
    );
  });

  test('inside an open transaction nothing escapes to the replica, and top-level reads after its write go to the primary (Drizzle #6234)', async () => {
    const pool = rc.makePool();
    const db = drizzle(pool);
    const { result, queries } = await withReplayPaused(() =>
      captureQueries(() =>
        runInReplicaScope(() =>
          db.transaction(async (tx) => {
            const first = await tx.execute(
              sql.raw(`SELECT pg_backend_pid() AS pid, ${WHERE} FROM performance_framework LIMIT 1`),
            );
            const inserted = await tx.execute(
              sql`INSERT INTO performance_datum (signature_id, value) VALUES (3, 0.5) RETURNING id`,
            );
            const id = inserted.rows[0]!.id as number;
            const pending = await tx.execute(
              sql`SELECT count(*)::int AS n, pg_backend_pid() AS pid, pg_is_in_recovery() AS in_recovery,
                         inet_server_port() AS server_port
                    FROM performance_datum WHERE id = ${id}`,
            );
            // The top-level handle, while the transaction is open: after the request wrote, the primary.
            const topLevel = (await pool.query(`SELECT ${WHERE} FROM performance_framework LIMIT 1`)).rows[0];
            return { first: first.rows[0]!, pending: pending.rows[0]!, topLevel };
          }),
        ),
      ),
    );
    assert.deepEqual(servedBy(result.first), onPrimary());
    assert.deepEqual(servedBy(result.pending), onPrimary());
    assert.equal(result.first.pid, result.pending.pid, 'one connection for the whole transaction');
    assert.equal(result.pending.n, 1, 'the transaction sees its own uncommitted row');
    assert.deepEqual(servedBy(result.topLevel), onPrimary());
    const inTx = queries.filter((q) => q.reason === 'in_transaction');
    assert.ok(inTx.length >= 5, 'begin, three statements, commit');
    assert.ok(
      queries.every((q) => q.alias === 'default'),
      JSON.stringify(summary(queries)),
    );
    assert.ok(queries.some((q) => q.reason === 'after_write'));
  });

  test('SET pins the client to the primary for its lifetime, and its value stays visible (ProxySQL #1615)', async () => {
    const pool = rc.makePool();
    const { result, queries } = await captureQueries(() =>
      runInReplicaScope(async () => {
        const client = await pool.connect();
        try {
          const before = (await client.query(`SELECT current_setting('perf.marker', true) AS v, ${WHERE}`))
            .rows[0];
          await client.query("SET perf.marker = 'pinned'");
          const rows = [];
          for (const table of ['performance_framework', 'repository', 'performance_signature']) {
            rows.push(
              (
                await client.query(
                  `SELECT current_setting('perf.marker', true) AS v, pg_backend_pid() AS pid, ${WHERE} FROM ${table} LIMIT 1`,
                )
              ).rows[0],
            );
          }
          return { before, rows };
        } finally {
          // Destroy the connection rather than hand a SET session back to the pool.
          client.release(true);
        }
      }),
    );
    assert.deepEqual(servedBy(result.before), onReplica());
    for (const row of result.rows) {
      assert.equal(row.v, 'pinned', 'the SET is visible to later statements');
      assert.deepEqual(servedBy(row), onPrimary());
    }
    assert.equal(new Set(result.rows.map((r) => r.pid)).size, 1);
    assert.deepEqual(
      queries.map((q) => q.reason),
      ['routed', 'session_state', 'session_state', 'session_state', 'session_state'],
    );
  });
});

describe('statements that must never reach a replica, in an opted-in request (DESIGN §7)', () => {
  const cases: { name: string; sql: string; values?: unknown[] }[] = [
    {
      name: 'a writable CTE (Drizzle #4185, pgcat #829)',
      sql: `WITH touched AS (UPDATE machine SET name = name WHERE id = 1 RETURNING id) SELECT ${WHERE}, (SELECT count(*)::int FROM touched) AS n FROM performance_framework LIMIT 1`,
    },
    { name: 'SELECT nextval (pgcat #489)', sql: `SELECT nextval('perf_ticket_seq') AS n, ${WHERE}` },
    {
      name: 'SELECT … FOR NO KEY UPDATE (pgcat #887)',
      sql: `SELECT id AS n, ${WHERE} FROM performance_framework WHERE id = $1 FOR NO KEY UPDATE`,
      values: [1],
    },
    { name: 'SELECT … FOR UPDATE', sql: `SELECT id AS n, ${WHERE} FROM repository WHERE id = 1 FOR UPDATE` },
    {
      name: 'SELECT … FOR KEY SHARE',
      sql: `SELECT id AS n, ${WHERE} FROM repository WHERE id = 1 FOR KEY SHARE`,
    },
    { name: 'a call to a function not known to be read-only', sql: `SELECT perf_touch() AS n, ${WHERE}` },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const pool = rc.makePool();
      const { result, queries } = await captureQueries(() =>
        runInReplicaScope(() => pool.query(c.sql, c.values)),
      );
      assert.deepEqual(servedBy(result.rows[0]), onPrimary());
      // One attempt, on the primary: not a replica failure quietly retried.
      assert.deepEqual(summary(queries), [
        { alias: 'default', node: 'primary', host: primaryHost, reason: 'write' },
      ]);
      assert.equal(pool.stats().fallbacks, 0);
    });
  }

  test('COPY … FROM STDIN (pgcat #865) goes to the primary, which answers it', async () => {
    const pool = rc.makePool();
    const { result: error, queries } = await captureQueries(() =>
      runInReplicaScope(() =>
        pool.query('COPY machine (id, name) FROM STDIN').then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
    // node-postgres has no stream to send, so it cancels the COPY: the primary's error, not a replica's
    // 25006 (read-only) that would have been retried.
    assert.ok(error instanceof Error);
    assert.notEqual((error as { code?: string }).code, '25006');
    assert.match(error.message, /COPY/i);
    assert.deepEqual(summary(queries), [
      { alias: 'default', node: 'primary', host: primaryHost, reason: 'write' },
    ]);
    assert.equal(queries[0]?.retried, undefined);
    assert.equal(pool.stats().fallbacks, 0);
    assert.deepEqual(nonZero(pool.stats().reasons), { write: 1 });
  });
});

describe('replication is asynchronous', () => {
  test('a routed read does not see a fresh write until the replica replays it (Sequelize #9216)', async () => {
    const pool = rc.makePool();
    const marker = randomUUID();
    const count = async () =>
      runInReplicaScope(async () => {
        const { rows } = await pool.query(
          `SELECT count(*)::int AS n, ${WHERE} FROM repository WHERE name = $1`,
          [marker],
        );
        return rows[0];
      });
    await replica.pauseReplay();
    try {
      await pool.query('INSERT INTO repository VALUES (1000, $1)', [marker]); // outside the scope: primary
      const stale = await count();
      assert.deepEqual(servedBy(stale), onReplica());
      assert.equal(stale.n, 0, 'the replica has not replayed the insert');
    } finally {
      await replica.resumeReplay();
    }
    await rc.cluster.waitForReplicas();
    const fresh = await count();
    assert.deepEqual(servedBy(fresh), onReplica());
    assert.equal(fresh.n, 1);
    await pool.query('DELETE FROM repository WHERE id = 1000');
  });
});
