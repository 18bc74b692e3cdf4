/**
 * The faults of bench/fault-matrix.ts, one case each: how the fault is injected and undone, which replicas it
 * acts on, and the lines the service should log for it. Replica 1 is reached through `proxy`, so that the network
 * faults act on real sockets; `admin` (a pool on the primary's database, which holds the `fm_filler` table) takes
 * the conflicting locks and writes the WAL a returning replica must catch up on.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { ReplicaNode, TcpProxy } from '../../packages/pg-devcluster/src/index.ts';

export interface FaultCase {
  readonly fault: string;
  /** Replicas the fault acts on (readmission is measured for them). */
  readonly targets: readonly ReplicaNode[];
  /** The lines the service should log (each must be found). */
  readonly warn: readonly RegExp[];
  inject(): Promise<void>;
  /** Undefined: no recovery (a promoted replica stays a primary). */
  recover?(): Promise<void>;
}

export interface FaultTargets {
  readonly replica1: ReplicaNode;
  readonly replica2: ReplicaNode;
  /** The TCP proxy in front of replica 1. */
  readonly proxy: TcpProxy;
  readonly admin: pg.Pool;
}

/** The service's line for `name` ejected, with `reason` when one is given. */
const ejectedLine = (name: string, reason = '') =>
  new RegExp(`db_routing_replica_ejected replica=${name} reason=${reason}`);

/** Every case, in the order the matrix runs them (the promotion last: it leaves replica 2 a primary). */
export function faultCases({ replica1, replica2, proxy, admin }: FaultTargets): FaultCase[] {
  let conflictLoop: Promise<void> | undefined;
  let conflicting = false;
  const setStandbyDelay = async (value: string | undefined) => {
    for (const r of [replica1, replica2]) {
      await r.query(
        value === undefined
          ? 'ALTER SYSTEM RESET max_standby_streaming_delay'
          : `ALTER SYSTEM SET max_standby_streaming_delay = '${value}'`,
      );
      await r.query('SELECT pg_reload_conf()');
    }
  };
  return [
    {
      fault: 'stopped',
      targets: [replica1],
      warn: [ejectedLine('replica_1')],
      inject: () => replica1.stop('fast'),
      recover: () => replica1.start(),
    },
    {
      fault: 'killed -9',
      targets: [replica1],
      warn: [ejectedLine('replica_1')],
      inject: () => replica1.kill(),
      recover: () => replica1.start(),
    },
    {
      fault: 'frozen (SIGSTOP)',
      targets: [replica1],
      warn: [ejectedLine('replica_1')],
      inject: () => replica1.freeze(),
      recover: () => replica1.thaw(),
    },
    {
      fault: 'stalled proxy',
      targets: [replica1],
      warn: [ejectedLine('replica_1')],
      inject: () => proxy.setMode('stall'),
      recover: () => proxy.setMode('pass'),
    },
    {
      fault: 'connections reset',
      targets: [replica1],
      warn: [ejectedLine('replica_1')],
      inject: () => proxy.setMode('reset'),
      recover: () => proxy.setMode('pass'),
    },
    {
      fault: 'replay paused (lag)',
      targets: [replica1],
      warn: [ejectedLine('replica_1', 'replica_lagging')],
      inject: () => replica1.pauseReplay(),
      recover: () => replica1.resumeReplay(),
    },
    {
      // The replicas cancel conflicting queries at once (max_standby_streaming_delay 0 for the case); the
      // primary takes an ACCESS EXCLUSIVE lock on performance_datum every 50 ms, whose replay conflicts with
      // every replica query reading it then.
      fault: 'hot-standby conflict',
      targets: [replica1],
      warn: [/db_routing_conflict_retry replica=/],
      inject: async () => {
        await setStandbyDelay('0');
        conflicting = true;
        conflictLoop = (async () => {
          while (conflicting) {
            await admin
              .query(
                "BEGIN; SET LOCAL lock_timeout = '200ms'; LOCK TABLE performance_datum IN ACCESS EXCLUSIVE MODE; COMMIT",
              )
              .catch(() => admin.query('ROLLBACK').catch(() => {}));
            await sleep(50);
          }
        })();
      },
      recover: async () => {
        conflicting = false;
        await conflictLoop;
        await setStandbyDelay(undefined);
      },
    },
    {
      fault: 'every replica down',
      targets: [replica1, replica2],
      warn: [ejectedLine('replica_1'), ejectedLine('replica_2')],
      inject: async () => {
        await Promise.all([replica1.stop('fast'), replica2.stop('fast')]);
      },
      recover: async () => {
        await Promise.all([replica1.start(), replica2.start()]);
      },
    },
    {
      // Down while the primary writes about 8 MB of WAL: it comes back behind and catches up under load.
      fault: 'replica coming back (behind)',
      targets: [replica2],
      warn: [ejectedLine('replica_2')],
      inject: async () => {
        await replica2.stop('fast');
        await admin.query(
          'INSERT INTO fm_filler SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 50000) g',
        );
      },
      recover: () => replica2.start(),
    },
    {
      fault: 'promoted',
      targets: [replica2],
      warn: [ejectedLine('replica_2', 'not_a_replica')],
      inject: () => replica2.promote(),
    },
  ];
}
