/**
 * CPU time of database processes from /proc (Linux): a server's whole process tree, and the backends of one
 * role over a window.
 */
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { processTree } from '../../packages/pg-devcluster/src/cluster/process-tree.ts';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime (+ cutime + cstime with `children`) of `pid` in clock ticks, from /proc; undefined once gone. */
function cpuTicks(pid: number, children: boolean): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command name (which may hold spaces): field 3 of stat(5) first
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (field: number) => Number(fields[field - 3] ?? 0);
    return n(14) + n(15) + (children ? n(16) + n(17) : 0);
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of process `root` and every process below it: live processes' own time plus what their exited
 * children left in cutime/cstime (so a backend that exits during a window still counts).
 */
export function treeCpuSeconds(root: number): number {
  return processTree(root).reduce((t, pid) => t + (cpuTicks(pid, true) ?? 0), 0) / TICKS_PER_SECOND;
}

/**
 * CPU of one role's backends on one server over a window: the server's backends of `role`,
 * sampled (pg_stat_activity for the pids, /proc for their CPU) at the start, every 250 ms and at the end;
 * each backend counts from its first sample to its last.
 */
export class BackendCpu {
  readonly #client: pg.Client;
  readonly #role: string;
  readonly #seen = new Map<number, { first: number; last: number }>();
  #busy = false;
  constructor(client: pg.Client, role: string) {
    this.#client = client;
    this.#role = role;
  }
  async sample(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const { rows } = await this.#client.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE usename = $1',
        [this.#role],
      );
      const pids = new Set([...this.#seen.keys(), ...rows.map((r) => r.pid)]);
      for (const pid of pids) {
        const ticks = cpuTicks(pid, false);
        if (ticks === undefined) continue;
        const entry = this.#seen.get(pid);
        if (entry) entry.last = ticks;
        else this.#seen.set(pid, { first: ticks, last: ticks });
      }
    } catch {
      // a sample missed: the next one counts
    } finally {
      this.#busy = false;
    }
  }
  seconds(): number {
    let ticks = 0;
    for (const e of this.#seen.values()) ticks += e.last - e.first;
    return ticks / TICKS_PER_SECOND;
  }
}
