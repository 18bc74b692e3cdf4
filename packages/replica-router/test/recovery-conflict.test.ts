/**
 * Hot-standby conflicts against a real primary and two real streaming replicas. The replicas wait at most
 * 200 ms (`max_standby_streaming_delay`) before cancelling a query that blocks replay, so a routed read holding
 * a lock on a table the primary then locks exclusively is cancelled by the server itself with SQLSTATE 40001
 * ("canceling statement due to conflict with recovery"). Where the retry ran is read from the server
 * (`pg_is_in_recovery()`, `inet_server_port()`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReplicaNode } from 'pg-devcluster';
import { type RouterLogger, runInReplicaScope } from '../src/index.ts';
import { captureQueries } from '../src/testing/index.ts';
import {
  pollUntil,
  type RoutingCluster,
  type ServedBy,
  startRoutingCluster,
  WHERE,
} from './support/routing-cluster.ts';

/** Holds perf_scan_probe's lock on a replica for `seconds`; instant on the primary. */
function holdingLock(seconds: number, tag: string): string {
  return (
    `SELECT ${WHERE}, '${tag}' AS tag, ` +
    `(CASE WHEN pg_is_in_recovery() THEN pg_sleep(${seconds}) END) IS NULL AS slept ` +
    'FROM perf_scan_probe WHERE id = 1'
  );
}

interface LogLine {
  readonly level: string;
  readonly msg: string;
}

function recordingLogger(): RouterLogger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    debug: (_f, msg) => lines.push({ level: 'debug', msg }),
    info: (_f, msg) => lines.push({ level: 'info', msg }),
    warn: (_f, msg) => lines.push({ level: 'warn', msg }),
    error: (_f, msg) => lines.push({ level: 'error', msg }),
  };
}

describe('hot-standby conflicts (40001) are retried once elsewhere', { timeout: 180_000 }, () => {
  let rc: RoutingCluster;
  let replicas: readonly ReplicaNode[];

  before(async () => {
    rc = await startRoutingCluster({
      replicas: 2,
      settings: { max_standby_streaming_delay: '200ms', hot_standby_feedback: false },
    });
    replicas = rc.cluster.replicas;
  });
  after(() => rc?.stop());

  /** The replica on which the statement tagged `tag` is running now (from each server's pg_stat_activity). */
  async function runningOn(tag: string): Promise<number> {
    return pollUntil(
      async () => {
        for (const [i, node] of replicas.entries()) {
          const rows = await node.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()",
            [`%'${tag}' AS tag%`],
            rc.database,
          );
          if ((rows[0]?.n ?? 0) > 0) return i;
        }
        return -1;
      },
      (i) => i >= 0,
      { what: `statement ${tag} to run on a replica` },
    );
  }

  /** Makes every replica replay an AccessExclusiveLock on perf_scan_probe (the conflict). */
  async function lockOnPrimary(): Promise<void> {
    await rc.cluster.primary.query(
      'DO $$ BEGIN LOCK TABLE perf_scan_probe IN ACCESS EXCLUSIVE MODE; END $$',
      [],
      rc.database,
    );
  }

  it('a conflict on one replica is retried on the other healthy replica (hedging on, before the hedge)', async () => {
    const logger = recordingLogger();
    const pool = await rc.makeQuietPool({ hedgeMs: 60_000, logger });
    const tag = 'conflict-two';
    const pending = captureQueries(() =>
      runInReplicaScope(async () => (await pool.query<ServedBy>(holdingLock(2, tag))).rows[0]!),
    );
    const first = await runningOn(tag);
    await lockOnPrimary();
    const { result: row, queries } = await pending;

    const other = 1 - first;
    assert.equal(row.in_recovery, true, 'the retry ran on a replica');
    assert.equal(row.server_port, replicas[other]!.port, 'on the other replica');
    assert.deepEqual(
      queries.map((q) => [q.node, q.reason, (q.error as { code?: string } | undefined)?.code, q.retried]),
      [
        [`replica_${first + 1}`, 'routed', '40001', true],
        [`replica_${other + 1}`, 'conflict_retry', undefined, undefined],
      ],
    );
    const stats = pool.stats();
    assert.equal(stats.reasons.routed, 1);
    assert.equal(stats.reasons.conflict_retry, 1);
    assert.equal(stats.reasons.fallback, 0);
    assert.equal(stats.fallbacks, 0);
    assert.equal(stats.replicas[first]?.conflicts, 1);
    assert.equal(stats.replicas[other]?.conflicts, 0);
    assert.deepEqual(
      stats.replicas.map((r) => r.state),
      ['healthy', 'healthy'],
      'a conflict ejects nobody',
    );
    assert.deepEqual(
      logger.lines.filter((l) => l.level !== 'debug').map((l) => `${l.level} ${l.msg}`),
      [`info db_routing_conflict_retry replica=replica_${first + 1} retry_on=replica_${other + 1}`],
    );
  });

  it('with no other healthy replica the retry runs on the primary, and the request does not fall back', async () => {
    const pool = await rc.makeQuietPool({ hedgeMs: 0, replicas: [rc.urls.replicas[0]!] });
    const tag = 'conflict-one';
    const { result, queries } = await captureQueries(() =>
      runInReplicaScope(async () => {
        const conflicted = pool.query<ServedBy>(holdingLock(2, tag));
        assert.equal(await runningOn(tag), 0);
        await lockOnPrimary();
        const retried = (await conflicted).rows[0]!;
        const next = (await pool.query<ServedBy>(`SELECT ${WHERE} FROM perf_scan_probe WHERE id = 2`))
          .rows[0]!;
        return { retried, next };
      }),
    );
    assert.equal(result.retried.in_recovery, false, 'the retry ran on the primary');
    assert.equal(result.retried.server_port, rc.cluster.primary.port);
    assert.equal(result.next.in_recovery, true, 'the next read of the request is on the replica again');
    assert.equal(result.next.server_port, replicas[0]!.port);
    assert.deepEqual(
      queries.map((q) => [q.node, q.reason, (q.error as { code?: string } | undefined)?.code]),
      [
        ['replica_1', 'routed', '40001'],
        ['primary', 'conflict_retry', undefined],
        ['replica_1', 'routed', undefined],
      ],
    );
    const stats = pool.stats();
    assert.equal(stats.reasons.conflict_retry, 1);
    assert.equal(stats.reasons.fallback, 0);
    assert.equal(stats.replicas[0]?.state, 'healthy');
  });
});
