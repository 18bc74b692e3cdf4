/**
 * A connection whose server backend dies while the pool holds it (checked out for a statement, a read-only
 * transaction, a hedge, or idle) makes node-postgres emit an 'error' event on it. pg-pool listens only while a
 * connection is idle; an 'error' nobody listens for crashes the process. Here the backends are terminated by
 * the servers themselves (`pg_terminate_backend`) while the pool is in use: the process must keep running,
 * every caller gets an answer (or the primary's error), and the next query works.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterNode } from 'pg-devcluster';
import { runInReplicaScope, usePrimary } from '../src/index.ts';
import {
  pollUntil,
  type RoutingCluster,
  readmitted,
  type ServedBy,
  startRoutingCluster,
  WHERE,
} from './support/routing-cluster.ts';

/** `seconds` on a replica, instant on the primary. */
function slowOnReplica(seconds: number): string {
  return `SELECT ${WHERE}, (CASE WHEN pg_is_in_recovery() THEN pg_sleep(${seconds}) END) IS NULL AS slept FROM performance_framework WHERE id = 1`;
}

/** Terminates the backends of the pool named `app` on `node` (probes included); how many. */
async function terminate(node: ClusterNode, database: string, app: string): Promise<number> {
  const rows = await node.query<{ n: number }>(
    "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1 AND backend_type = 'client backend'",
    [app],
    database,
  );
  return rows[0]?.n ?? 0;
}

async function backendsOf(node: ClusterNode, database: string, app: string, state?: string): Promise<number> {
  const rows = await node.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND backend_type = 'client backend' AND ($2::text IS NULL OR state = $2)",
    [app, state ?? null],
    database,
  );
  return rows[0]?.n ?? 0;
}

describe('a backend terminated under a checked-out connection never crashes the process', {
  timeout: 180_000,
}, () => {
  let rc: RoutingCluster;
  const crashes: unknown[] = [];
  const onUncaught = (error: unknown) => crashes.push(error);

  before(async () => {
    rc = await startRoutingCluster();
    // The test runner would report an uncaught 'error' too; counting them makes the assertion explicit.
    process.on('uncaughtException', onUncaught);
  });
  after(async () => {
    process.off('uncaughtException', onUncaught);
    await rc?.stop();
  });

  it('a read-only transaction whose replica backend is terminated mid-transaction reruns on the primary', async () => {
    const app = 'errors-tx-replica';
    const pool = await rc.makeQuietPool({ applicationName: app });
    const replica = rc.cluster.replicas[0]!;
    let runs = 0;
    const row = await runInReplicaScope(() =>
      pool.readOnlyTransaction(async (tx) => {
        runs++;
        await tx.query('SELECT 1');
        if (runs === 1) {
          // Idle in transaction, checked out: its backend goes away under it.
          assert.ok((await terminate(replica, rc.database, app)) >= 1);
          await pollUntil(
            () => backendsOf(replica, rc.database, app),
            (n) => n === 0,
            { what: 'the replica backends to exit' },
          );
          await new Promise((resolve) => setTimeout(resolve, 100)); // let the socket's end arrive
        }
        return (await tx.query<ServedBy>(`SELECT ${WHERE} FROM performance_framework WHERE id = 1`)).rows[0]!;
      }),
    );
    assert.equal(runs, 2, 'the transaction ran again');
    assert.equal(row.in_recovery, false, 'on the primary');
    assert.equal(row.server_port, rc.cluster.primary.port);
    assert.deepEqual(crashes, []);
  });

  it('a read-only transaction on the primary whose backend is terminated rejects with the error, no crash', async () => {
    const app = 'errors-tx-primary';
    const pool = await rc.makeQuietPool({ applicationName: app });
    await assert.rejects(
      usePrimary(() =>
        pool.readOnlyTransaction(async (tx) => {
          await tx.query('SELECT 1');
          assert.ok((await terminate(rc.cluster.primary, rc.database, app)) >= 1);
          await pollUntil(
            () => backendsOf(rc.cluster.primary, rc.database, app),
            (n) => n === 0,
            { what: 'the primary backends to exit' },
          );
          await new Promise((resolve) => setTimeout(resolve, 100));
          return tx.query('SELECT 2');
        }),
      ),
      /terminat|not queryable/,
      'the primary’s error, from the connection that lost its backend',
    );
    const { rows } = await pool.query<ServedBy>(`SELECT ${WHERE}`);
    assert.equal(rows[0]?.in_recovery, false, 'the next query works');
    assert.deepEqual(crashes, []);
  });

  it('backends of running, hedged, checked-out and idle connections terminated on both servers under load', async () => {
    const app = 'errors-load';
    const pool = await rc.makeQuietPool({ applicationName: app, hedgeMs: 150, max: 8 });
    const replica = rc.cluster.replicas[0]!;
    // Idle connections on both servers first.
    await Promise.all(
      Array.from({ length: 4 }, () =>
        runInReplicaScope(() => pool.query(`SELECT ${WHERE} FROM performance_framework`)),
      ),
    );
    await Promise.all(Array.from({ length: 3 }, () => pool.query('SELECT 1')));
    // A checked-out client holding a primary connection (in a transaction), with no 'error' listener of ours.
    const client = await pool.connect();
    await client.query('BEGIN');
    await client.query('SELECT 1');
    // Reads in flight: slow on the replica, so some are being hedged on the primary when the cut comes.
    const reads = Array.from({ length: 6 }, (_, i) =>
      runInReplicaScope(() => pool.query<ServedBy>(slowOnReplica(1 + i * 0.1))).then(
        (r) => ({ ok: true as const, row: r.rows[0]! }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    );
    await pollUntil(
      () => backendsOf(replica, rc.database, app, 'active'),
      (n) => n >= 3,
      { what: 'slow reads to run on the replica' },
    );
    const onReplica = await terminate(replica, rc.database, app);
    const onPrimary = await terminate(rc.cluster.primary, rc.database, app);
    assert.ok(onReplica >= 3, `terminated ${onReplica} replica backends`);
    assert.ok(onPrimary >= 1, `terminated ${onPrimary} primary backends`);
    const outcomes = await Promise.all(reads);
    // A read either got an answer or the primary's own error (its hedge or fallback ran there as the cut came).
    for (const o of outcomes) {
      if (!o.ok) assert.match(String((o.error as Error).message), /terminat/i);
    }
    await assert.rejects(client.query('SELECT 2'), 'the checked-out client lost its connection');
    client.release(true);
    // The process is alive and the pool works again, on both servers.
    const { rows } = await pool.query<ServedBy>(`SELECT ${WHERE}`);
    assert.equal(rows[0]?.in_recovery, false);
    await readmitted(pool);
    const again = await runInReplicaScope(() =>
      pool.query<ServedBy>(`SELECT ${WHERE} FROM performance_framework`),
    );
    assert.equal(again.rows[0]?.in_recovery, true);
    assert.deepEqual(crashes, []);
  });
});
