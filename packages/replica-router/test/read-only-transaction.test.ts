// pool.readOnlyTransaction: several reads that must agree, on one replica connection and one snapshot;
// the primary when the request belongs there; the whole transaction again on the primary if the replica fails.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runInReplicaScope, usePrimary } from '../src/index.ts';
import { captureQueries } from '../src/testing/index.ts';
import { type RoutingCluster, startRoutingCluster, WHERE } from './support/routing-cluster.ts';

let rc: RoutingCluster;

before(async () => {
  rc = await startRoutingCluster();
});
after(() => rc?.stop());

const frameworkCount = `SELECT count(*)::int AS n, pg_backend_pid() AS pid, txid_current_if_assigned() AS tx, ${WHERE} FROM performance_framework`;

describe('readOnlyTransaction', () => {
  test('runs every statement on one replica connection, in one snapshot that later replay does not change', async () => {
    const pool = rc.makePool();
    const replica = rc.cluster.replicas[0]!;
    const { result, queries } = await captureQueries(() =>
      runInReplicaScope(() =>
        pool.readOnlyTransaction(async (tx) => {
          const first = (await tx.query(frameworkCount)).rows[0];
          // A commit on the primary, replayed on the replica while the transaction is open.
          await rc.cluster.primary.query(
            "INSERT INTO performance_framework VALUES (900, 'during-transaction', true)",
            [],
            rc.database,
          );
          await rc.cluster.waitForReplicas();
          const second = (await tx.query(frameworkCount)).rows[0];
          return { first, second };
        }),
      ),
    );
    try {
      assert.equal(result.first.in_recovery, true);
      assert.equal(result.first.server_port, replica.port);
      assert.equal(result.second.pid, result.first.pid, 'one connection');
      assert.equal(result.second.n, result.first.n, 'one snapshot: the replayed row is not visible inside');
      assert.deepEqual(
        queries.map((q) => [q.alias, q.reason]),
        Array.from({ length: 4 }, () => ['read_replica', 'routed']),
      );
      assert.match(queries[0]!.sql, /^BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY$/);
      assert.equal(queries[3]!.sql, 'COMMIT');
      const after = await runInReplicaScope(() =>
        pool.readOnlyTransaction(async (tx) => (await tx.query(frameworkCount)).rows[0]),
      );
      assert.equal(after.n, result.first.n + 1, 'a new transaction sees the replayed row');
    } finally {
      await rc.cluster.primary.query('DELETE FROM performance_framework WHERE id = 900', [], rc.database);
      await rc.cluster.waitForReplicas();
    }
  });

  test('a write inside fails: the server enforces READ ONLY', async () => {
    const pool = rc.makePool();
    await assert.rejects(
      runInReplicaScope(() =>
        pool.readOnlyTransaction(async (tx) => tx.query("INSERT INTO unmapped_note (note) VALUES ('no')")),
      ),
      { code: '25006' },
    );
    const [row] = await rc.cluster.primary.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM unmapped_note WHERE note = 'no'",
      [],
      rc.database,
    );
    assert.equal(row?.n, 0);
  });

  test('runs on the primary under usePrimary, with routing off, and outside any request it uses the replica', async () => {
    const pool = rc.makePool();
    const onPrimary = await runInReplicaScope(() =>
      usePrimary(() => pool.readOnlyTransaction(async (tx) => (await tx.query(frameworkCount)).rows[0])),
    );
    assert.equal(onPrimary.in_recovery, false);
    const off = rc.makePool({ replicas: [] });
    const offRow = await off.readOnlyTransaction(async (tx) => (await tx.query(frameworkCount)).rows[0]);
    assert.equal(offRow.in_recovery, false);
    assert.deepEqual(
      Object.entries(off.stats().reasons).filter(([, n]) => n > 0),
      [['routing_disabled', 3]],
    );
    const explicit = await pool.readOnlyTransaction(async (tx) => (await tx.query(frameworkCount)).rows[0]);
    assert.equal(explicit.in_recovery, true, 'an explicit read-only transaction is a request for a replica');
  });

  test('a replica that refuses: the whole transaction runs once on the primary, one WARN line', async () => {
    const lines: string[] = [];
    const logger = { debug: () => {}, warn: (_o: object, msg: string) => void lines.push(msg) };
    const pool = await rc.makeQuietPool({ logger });
    const proxy = rc.cluster.replicas[0]!.proxy!;
    await proxy.setMode('refuse');
    try {
      let calls = 0;
      const row = await runInReplicaScope(
        () =>
          pool.readOnlyTransaction(async (tx) => {
            calls++;
            return (await tx.query(frameworkCount)).rows[0];
          }),
        { path: '/tx', method: 'GET' },
      );
      assert.equal(row.in_recovery, false);
      assert.equal(calls, 1, 'the failure came before fn ran, so fn ran once, on the primary');
      assert.deepEqual(lines, [
        'db_routing_replica_ejected replica=replica_1 reason=connection_error',
        'db_routing_fallback path=/tx method=GET exception_type=ECONNREFUSED',
      ]);
      assert.equal(pool.stats().replicas[0]?.state, 'ejected');
    } finally {
      await proxy.setMode('pass');
    }
  });
});
