/**
 * Many clients, floor and peer taking turns in short phases: the rounds' pairing (a peer next to the floor alone, at
 * 16 or 64 clients) read as finely as the one-client interleaving reads it at one. In a phase, `concurrency` callers
 * each run `perCaller` statements through one of the two; the next phase is the other's, in an order drawn afresh for
 * every pair of phases. A phase is timed while all its callers are busy: from its start to the moment the first
 * caller has run out of statements, with the statements completed by then (the tail, where fewer callers are left,
 * would dilute the difference). Its time per statement is 1 ÷ its throughput at that concurrency. Phases of a few
 * tens of milliseconds put both through the same moments of the machine: drift (±5 % from one second to the next
 * here, more under the load of other tenants) falls on both alike. The pairs are then cut into batches and summarised
 * as the one-client interleaving is ({@link summariseInterleaved}): a ratio of trimmed means per batch, and the
 * median of the batches' ratios with its distribution-free interval.
 *
 * Unlike the one-client interleaving, each phase runs one peer alone, so the two never share the event loop or the
 * pool's queue: the floor's pool serves a peer's phase with the same connections, but never a statement of both
 * at once.
 */
import {
  INTERLEAVED_BATCHES,
  type InterleavedRow,
  type OneClientRows,
  summariseInterleaved,
  warmThenTimed,
} from './interleaved.ts';
import type { Peer, Workload } from './paired-runs.ts';
import { idSequence } from './stats.ts';

/** One peer against the floor at one concurrency, from {@link interleavePhases}. */
export interface PhasedRow extends InterleavedRow {
  readonly concurrency: number;
  /** Statements per caller per phase. */
  readonly perCaller: number;
}

/**
 * Runs `concurrency` callers through `peer` for `perCaller` statements each: the ms per statement while all callers
 * were busy (NaN if a statement failed).
 */
export async function phase(
  peer: Peer,
  w: Workload,
  concurrency: number,
  perCaller: number,
  nextId: () => number,
): Promise<number> {
  let done = 0;
  let failed = false;
  let firstOut = 0;
  let doneByFirstOut = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < perCaller; i++) {
        try {
          await peer.run(w, nextId());
        } catch {
          failed = true;
        }
        done++;
      }
      if (firstOut === 0) {
        firstOut = performance.now();
        doneByFirstOut = done;
      }
    }),
  );
  return failed || doneByFirstOut === 0 ? Number.NaN : (firstOut - started) / doneByFirstOut;
}

/**
 * The floor and `peer` in alternating phases for `ms` after an untimed tenth of it: per pair of phases, the ms per
 * statement of each (the floor's first).
 */
export async function alternatePhases(
  floor: Peer,
  peer: Peer,
  w: Workload,
  options: {
    readonly concurrency: number;
    readonly perCaller: number;
    readonly ms: number;
    readonly rows: number;
  },
): Promise<[number[], number[]]> {
  const { concurrency, perCaller, ms, rows } = options;
  const nextId = idSequence(concurrency, rows);
  const coin = idSequence(3, 2);
  const times: [number[], number[]] = [[], []];
  const pair = async (timed: boolean): Promise<void> => {
    const floorFirst = coin() === 1;
    const first = await phase(floorFirst ? floor : peer, w, concurrency, perCaller, nextId);
    const second = await phase(floorFirst ? peer : floor, w, concurrency, perCaller, nextId);
    if (!timed) return;
    times[0].push(floorFirst ? first : second);
    times[1].push(floorFirst ? second : first);
  };
  await warmThenTimed(ms, pair);
  return times;
}

/** Fewest statements per caller in a phase: the first caller out must leave many statements behind it. */
export const MIN_PER_CALLER = 4;

/**
 * Statements per caller in a phase of about `perPhase` statements at `concurrency` (at least {@link MIN_PER_CALLER}).
 */
export function perCallerFor(perPhase: number, concurrency: number): number {
  return Math.max(MIN_PER_CALLER, Math.round(perPhase / concurrency));
}

/**
 * Each peer of `peers` but the first (the floor) against the floor in alternating phases, at each concurrency and
 * on both workloads, `ms` per peer, workload and concurrency. `perPhase`: about how many statements a phase runs, by
 * workload (it should last a few tens of milliseconds: long enough for its tail to be small beside it, short enough
 * for the machine not to change within a pair).
 */
export async function interleavePhases(
  peers: readonly Peer[],
  options: {
    readonly concurrencies: readonly number[];
    readonly perPhase: Readonly<Record<Workload, number>>;
    readonly ms: number;
    readonly rows: number;
    readonly log: (line: string) => void;
  },
): Promise<PhasedRow[]> {
  const [floor, ...others] = peers;
  if (!floor) throw new Error('no peers: the floor comes first');
  const rows: PhasedRow[] = [];
  for (const w of ['point', 'endpoint'] as const) {
    for (const concurrency of options.concurrencies) {
      const perCaller = perCallerFor(options.perPhase[w], concurrency);
      for (const peer of others) {
        const times = await alternatePhases(floor, peer, w, {
          concurrency,
          perCaller,
          ms: options.ms,
          rows: options.rows,
        });
        // Fewer batches only when a short run (--quick) timed too few pairs for the usual count.
        const batches = Math.min(INTERLEAVED_BATCHES, Math.floor(times[0].length / 2));
        const row = summariseInterleaved(w, [floor, peer], times, batches)[1];
        if (row) rows.push({ ...row, concurrency, perCaller });
      }
      options.log(`  done: ${w}, ${concurrency} clients, each peer in phases with the floor`);
    }
  }
  return rows;
}

/** Prints the one-client rows and the rows in phases as one table. */
export function printInterleaved(oneClient: OneClientRows, phased: readonly PhasedRow[]): void {
  console.table(
    [...oneClient.all, ...oneClient.pairs, ...phased].map((r, i) => ({
      with: i < oneClient.all.length ? 'all peers' : 'floor alone',
      clients: 'concurrency' in r ? r.concurrency : 1,
      workload: r.workload,
      peer: r.peer,
      cycles: r.cycles,
      'mean µs': r.meanMicros,
      'ratio to floor': r.ratioMedian,
      interval: `${r.ratioLow}–${r.ratioHigh}`,
      '+µs': r.addedMicrosMedian,
      errors: r.errors,
    })),
  );
}
