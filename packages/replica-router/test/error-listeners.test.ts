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

/** Terminates the backends of the pool named `app` on `node` (probes included); their process ids. */
async function terminatePids(node: ClusterNode, database: string, app: string): Promise<number[]> {
  const rows = await node.query<{ pid: number }>(
    // Materialized first: in one WHERE the planner may call pg_terminate_backend before the other conditions.
    "WITH victims AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND backend_type = 'client backend') SELECT pid FROM victims WHERE pg_terminate_backend(pid)",
    [app],
    database,
  );
  return rows.map((r) => r.pid);
}

/** Terminates the backends of the pool named `app` on `node` (probes included); how many. */
async function terminate(node: ClusterNode, database: string, app: string): Promise<number> {
  return (await terminatePids(node, database, app)).length;
}

/** Waits until none of `pids` is still a backend on `node` (a terminated backend exits after it is signalled). */
async function exited(node: ClusterNode, database: string, pids: number[]): Promise<void> {
  await pollUntil(
    async () =>
      (
        await node.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1::int[])',
          [pids],
          database,
        )
      )[0]?.n ?? 0,
    (n) => n === 0,
    { what: `terminated backends ${pids.join(', ')} to exit` },
  );
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
    // Hedging on (each read runs through the hedge path's own checkout) with a delay past the reads' length, so
    // they are still running on the replica when the backends are terminated.
    const pool = await rc.makeQuietPool({ applicationName: app, hedgeMs: 10_000, max: 8 });
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
    try {
      // Reads in flight: slow on the replica.
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
      const onReplica = await terminatePids(replica, rc.database, app);
      const onPrimary = await terminatePids(rc.cluster.primary, rc.database, app);
      assert.ok(onReplica.length >= 3, `terminated ${onReplica.length} replica backends`);
      assert.ok(onPrimary.length >= 1, `terminated ${onPrimary.length} primary backends`);
      const outcomes = await Promise.all(reads);
      // A read either got an answer or the primary's own error (its hedge or fallback ran there as the cut came).
      for (const o of outcomes) {
        if (!o.ok)
          assert.match(
            String((o.error as Error).message),
            /terminat|not queryable|ECONNRESET/i,
            String(o.error),
          );
      }
      await assert.rejects(client.query('SELECT 2'), 'the checked-out client lost its connection');
      // The backends exit some time after they are signalled; until then an idle connection of theirs looks alive.
      await exited(replica, rc.database, onReplica);
      await exited(rc.cluster.primary, rc.database, onPrimary);
      await new Promise((resolve) => setTimeout(resolve, 100)); // let the sockets' ends arrive
    } finally {
      client.release(true);
    }
    // The process is alive and the pool works again, on both servers. An idle primary connection whose backend
    // was terminated can still be handed out before its socket has told it so (as with a plain pg.Pool): such a
    // statement fails with the server's error, and the pool drops that connection; the pool holds at most 8.
    let rows: ServedBy[] | undefined;
    for (let attempt = 0; rows === undefined; attempt++) {
      try {
        rows = (await pool.query<ServedBy>(`SELECT ${WHERE}`)).rows;
      } catch (error) {
        assert.equal((error as { code?: string }).code, '57P01', 'only the termination itself');
        assert.ok(attempt < 8, 'each stale connection fails once, then leaves the pool');
      }
    }
    assert.equal(rows[0]?.in_recovery, false);
    await readmitted(pool);
    const again = await runInReplicaScope(() =>
      pool.query<ServedBy>(`SELECT ${WHERE} FROM performance_framework`),
    );
    assert.equal(again.rows[0]?.in_recovery, true);
    assert.deepEqual(crashes, []);
  });
});
