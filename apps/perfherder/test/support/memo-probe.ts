import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import type pg from 'pg';
import { isExactSnapshot } from '../../src/http/answer-memo.ts';
import type { serviceAppHooks } from './service-app.ts';

/** What the answer memo's tests ask the servers (pg_stat_statements on the primary and the replica). */
export interface MemoProbe {
  /** Calls of the statements whose text contains `marker`, summed over `servers` (default: both). */
  calls(marker: string, servers?: readonly pg.Pool[]): Promise<number>;
  /** Runs of a memoized body statement (the memo's `memo_snapshot` wrapping), on either server. */
  bodyRuns(): Promise<number>;
  /** Runs of the memo's check statement, on either server. */
  checkRuns(): Promise<number>;
  /** Waits until the replica has replayed everything and its snapshot lists no transaction in progress. */
  settle(): Promise<void>;
  /**
   * Two requests in a row, the second served from memory (the body statement did not run again, the check
   * ran once, on the replica). A transaction completing in between (autovacuum's analyze after the fixtures)
   * rightly makes it a miss: tried a few times, it must be a hit once.
   */
  repeatedHit(url: string): Promise<{ first: LightMyRequestResponse; second: LightMyRequestResponse }>;
}

/**
 * A {@link MemoProbe} of `service` (`pg_stat_statements` created on its primary) and `replica`, a pool on its
 * replica. Call it in a `before` hook, once the service started.
 */
export async function memoProbe(
  service: ReturnType<typeof serviceAppHooks>,
  replica: pg.Pool,
): Promise<MemoProbe> {
  await service.db.primary.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  async function calls(marker: string, servers = [service.db.primary, replica]): Promise<number> {
    let n = 0;
    for (const pool of servers) {
      const { rows } = await pool.query(
        `SELECT coalesce(sum(calls), 0)::int AS n FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND query LIKE '%' || $1 || '%' AND query NOT LIKE '%pg_stat_statements%'`,
        [marker],
      );
      n += Number(rows[0].n);
    }
    return n;
  }
  const bodyRuns = () => calls('memo_snapshot');
  const checkRuns = () => calls('AS snapshot, coalesce(');
  async function settle(): Promise<void> {
    await service.db.cluster.waitForReplicas();
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { rows } = await replica.query('SELECT pg_current_snapshot()::text AS s');
      if (isExactSnapshot(rows[0].s) || Date.now() > deadline) return;
      await sleep(200);
    }
  }
  async function repeatedHit(url: string) {
    for (let attempt = 0; attempt < 5; attempt++) {
      await settle();
      const first = await service.app.inject(url);
      assert.equal(first.statusCode, 200, first.body);
      const [bodies, checks] = [await bodyRuns(), await calls('AS snapshot, coalesce(', [replica])];
      const second = await service.app.inject(url);
      if ((await bodyRuns()) === bodies) {
        assert.equal(
          await calls('AS snapshot, coalesce(', [replica]),
          checks + 1,
          'a hit runs the check statement once, on the replica',
        );
        return { first, second };
      }
    }
    assert.fail(`${url}: never served from memory`);
  }
  return { calls, bodyRuns, checkRuns, settle, repeatedHit };
}
