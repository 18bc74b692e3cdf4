// The replica-read memo: a statement text once found to be a replica read skips the classifier and the router in
// later opted-in scopes, and must still follow each request's own state. Where each statement ran is asked of the
// servers (`pg_is_in_recovery()`, `inet_server_port()`), the reason of the pool's own counters.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runInReplicaScope, usePrimary } from '../src/index.ts';
import { captureQueries } from '../src/testing/index.ts';
import { type RoutingCluster, type ServedBy, startRoutingCluster, WHERE } from './support/routing-cluster.ts';

let rc: RoutingCluster;
let onReplica: ServedBy;
let onPrimary: ServedBy;

before(async () => {
  rc = await startRoutingCluster();
  onReplica = { in_recovery: true, server_port: rc.cluster.replicas[0]!.port };
  onPrimary = { in_recovery: false, server_port: rc.cluster.primary.port };
});
after(() => rc?.stop());

const READ = `SELECT id, ${WHERE} FROM performance_framework WHERE id = $1`;

function servedBy(row: Record<string, unknown> | undefined): ServedBy {
  assert.ok(row, 'a row came back');
  return { in_recovery: row.in_recovery as boolean, server_port: row.server_port as number };
}

describe('a remembered replica read', () => {
  test('is remembered once routed, and still runs on the replica', async () => {
    const pool = await rc.makeQuietPool();
    assert.equal(pool.stats().readMemo, 0);
    const first = await runInReplicaScope(() => pool.query(READ, [1]));
    assert.equal(pool.stats().readMemo, 1);
    const again = await runInReplicaScope(() => pool.query(READ, [2]));
    assert.deepEqual(servedBy(first.rows[0]), onReplica);
    assert.deepEqual(servedBy(again.rows[0]), onReplica);
    assert.equal(pool.stats().readMemo, 1, 'the same text is kept once');
    assert.equal(pool.stats().reasons.routed, 2);
  });

  test('goes to the primary after the request wrote, and to the replica in the next request', async () => {
    const pool = await rc.makeQuietPool();
    await runInReplicaScope(() => pool.query(READ, [1])); // remembered
    const { result, queries } = await captureQueries(() =>
      runInReplicaScope(async () => {
        await pool.query('INSERT INTO unmapped_note (note) VALUES ($1)', ['read-memo']);
        return pool.query(READ, [1]);
      }),
    );
    assert.deepEqual(servedBy(result.rows[0]), onPrimary);
    assert.deepEqual(
      queries.map((q) => q.reason),
      ['write', 'after_write'],
    );
    const next = await runInReplicaScope(() => pool.query(READ, [1]));
    assert.deepEqual(servedBy(next.rows[0]), onReplica);
  });

  test('goes to the primary outside a scope and inside usePrimary', async () => {
    const pool = await rc.makeQuietPool();
    await runInReplicaScope(() => pool.query(READ, [1])); // remembered
    const outside = await pool.query(READ, [1]);
    assert.deepEqual(servedBy(outside.rows[0]), onPrimary);
    const forced = await runInReplicaScope(() => usePrimary(() => pool.query(READ, [1])));
    assert.deepEqual(servedBy(forced.rows[0]), onPrimary);
  });

  test('on a checked-out client follows its transaction: primary inside, replica after', async () => {
    const pool = await rc.makeQuietPool();
    await runInReplicaScope(() => pool.query(READ, [1])); // remembered
    const served = await runInReplicaScope(async () => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const inside = servedBy((await client.query(READ, [1])).rows[0]);
        await client.query('COMMIT');
        const afterCommit = servedBy((await client.query(READ, [1])).rows[0]);
        return { inside, afterCommit };
      } finally {
        client.release();
      }
    });
    assert.deepEqual(served.inside, onPrimary);
    assert.deepEqual(served.afterCommit, onReplica);
  });

  test('is never a statement on a table off the allow-list, nor a write', async () => {
    const pool = await rc.makeQuietPool();
    const notAllowed = `SELECT count(*)::int AS n, ${WHERE} FROM auth_user`;
    const { queries } = await captureQueries(() =>
      runInReplicaScope(async () => {
        for (let i = 0; i < 3; i++) await pool.query(notAllowed);
        for (let i = 0; i < 2; i++) await pool.query('SELECT id FROM performance_framework FOR UPDATE');
      }),
    );
    assert.deepEqual(
      queries.map((q) => q.reason),
      ['table_not_allowed', 'table_not_allowed', 'table_not_allowed', 'write', 'write'],
    );
    assert.equal(pool.stats().readMemo, 0);
  });

  test('holds at most the classifier cache size, and every read still routes', async () => {
    const pool = await rc.makeQuietPool({ classifierCacheSize: 3 });
    const served = await runInReplicaScope(async () => {
      const out: ServedBy[] = [];
      for (let round = 0; round < 2; round++) {
        for (let i = 1; i <= 5; i++) {
          const { rows } = await pool.query(`SELECT ${i} AS k, ${WHERE} FROM performance_framework LIMIT 1`);
          out.push(servedBy(rows[0]));
          assert.ok(pool.stats().readMemo <= 3, `memo size ${pool.stats().readMemo}`);
        }
      }
      return out;
    });
    assert.deepEqual(served, Array(10).fill(onReplica));
    assert.equal(pool.stats().reasons.routed, 10);
  });

  test('is off with the classifier cache off', async () => {
    const pool = await rc.makeQuietPool({ classifierCacheSize: 0 });
    const { rows } = await runInReplicaScope(() => pool.query(READ, [1]));
    assert.deepEqual(servedBy(rows[0]), onReplica);
    assert.equal(pool.stats().readMemo, 0);
  });
});
