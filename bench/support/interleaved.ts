/**
 * One client, statement by statement: every peer's statements interleaved in one loop, one statement of each peer
 * per cycle in a shuffled order, each timed on its own. A closed loop of one client runs at 1 ÷ its mean latency,
 * so the ratio of the floor's mean latency to a peer's is the peer's throughput ratio at concurrency 1; and as the
 * peers take turns every few hundred µs instead of every second, the machine's drift (about 10 % from one second
 * to the next here) falls on all of them alike. The cycles are cut into consecutive batches, a ratio of trimmed
 * means per batch, and the median of the batches' ratios has a distribution-free interval. Each statement follows
 * other peers' statements, so a peer's code and data are as cold as in an application that does other work between
 * its queries: a peer that touches much code reads lower here than in runs of its own. Not for higher concurrency: there the
 * peers would share one event loop and one pool's queue, and a peer's cost would slow the others' statements too.
 */
import type { Peer, Workload } from './paired-runs.ts';
import { idSequence, median, medianInterval, round3 } from './stats.ts';

/** Batches the cycles are cut into: each gives one ratio per peer. */
export const INTERLEAVED_BATCHES = 40;

export interface InterleavedRow {
  readonly workload: Workload;
  readonly peer: string;
  readonly server: 'primary' | 'replica';
  /** Cycles timed (one statement of every peer each). */
  readonly cycles: number;
  /**
   * The floor's mean latency over the peer's (each a batch's trimmed mean), median over the batches: the throughput
   * ratio at one client.
   */
  readonly ratioMedian: number;
  /** The median's distribution-free interval over the batches, and its coverage. */
  readonly ratioLow: number;
  readonly ratioHigh: number;
  readonly coverage: number;
  /** The peer's mean latency (µs), all cycles. */
  readonly meanMicros: number;
  /** The peer's (trimmed) mean latency minus the floor's in the same batch (µs), median over the batches. */
  readonly addedMicrosMedian: number;
  readonly errors: number;
}

/**
 * Runs `peers` (the floor first) interleaved for `ms` after an untimed tenth of it: per peer, the latency (ms) of
 * its statement in every cycle (NaN where it failed).
 */
export async function interleave(
  peers: readonly Peer[],
  w: Workload,
  ms: number,
  rows: number,
): Promise<number[][]> {
  const nextId = idSequence(1, rows);
  const random = idSequence(2, 2 ** 31);
  const order = peers.map((_, i) => i);
  const latencies: number[][] = peers.map(() => []);
  const cycle = async (timed: boolean): Promise<void> => {
    for (let i = order.length - 1; i > 0; i--) {
      const j = (random() - 1) % (i + 1);
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    for (const i of order) {
      const t = performance.now();
      let ms = Number.NaN;
      try {
        await (peers[i] as Peer).run(w, nextId());
        ms = performance.now() - t;
      } catch {
        // counted as NaN
      }
      if (timed) latencies[i]?.push(ms);
    }
  };
  await warmThenTimed(ms, cycle);
  return latencies;
}

/** Runs `step` untimed for a tenth of `ms`, then timed for `ms` (each step told which it is). */
export async function warmThenTimed(ms: number, step: (timed: boolean) => Promise<void>): Promise<void> {
  const warm = performance.now() + ms / 10;
  while (performance.now() < warm) await step(false);
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) await step(true);
}

/** Share of a batch's statements dropped at each end before its mean (see {@link trimmedMean}). */
export const INTERLEAVED_TRIM = 0.05;

/**
 * The mean of `xs[from, to)` without its NaNs and without the `trim` share of the fastest and of the slowest: a
 * statement that met one of the machine's hiccups (a descheduled virtual CPU: this machine's steal time reached
 * 50 % in a run) falls on one peer of its cycle only, and would decide that peer's batch. A cost a peer adds to
 * every statement moves the trimmed mean as it moves the mean.
 */
export function trimmedMean(xs: readonly number[], from: number, to: number, trim: number): number {
  const kept = xs.slice(from, to).filter((x) => !Number.isNaN(x));
  kept.sort((a, b) => a - b);
  const drop = Math.floor(kept.length * trim);
  return meanOf(kept, drop, kept.length - drop);
}

function meanOf(xs: readonly number[], from: number, to: number): number {
  let sum = 0;
  let n = 0;
  for (let i = from; i < to; i++) {
    const x = xs[i] as number;
    if (Number.isNaN(x)) continue;
    sum += x;
    n++;
  }
  return n === 0 ? Number.NaN : sum / n;
}

/** One row per peer (the floor's own included, at 1) from {@link interleave}'s latencies. */
export function summariseInterleaved(
  w: Workload,
  peers: readonly Pick<Peer, 'name' | 'expected'>[],
  latencies: readonly (readonly number[])[],
  batches = INTERLEAVED_BATCHES,
  trim = INTERLEAVED_TRIM,
): InterleavedRow[] {
  const floor = latencies[0] ?? [];
  const cycles = floor.length;
  if (cycles < batches) throw new Error(`${cycles} cycles: fewer than the ${batches} batches`);
  const bounds = Array.from({ length: batches }, (_, b): [number, number] => [
    Math.floor((b * cycles) / batches),
    Math.floor(((b + 1) * cycles) / batches),
  ]);
  const floorMeans = bounds.map(([from, to]) => trimmedMean(floor, from, to, trim));
  return peers.map((p, i) => {
    const own = latencies[i] ?? [];
    const means = bounds.map(([from, to]) => trimmedMean(own, from, to, trim));
    const ratios = means.map((m, b) => (floorMeans[b] as number) / m).filter((r) => !Number.isNaN(r));
    const interval = medianInterval(ratios, 0.95);
    return {
      workload: w,
      peer: p.name,
      server: p.expected,
      cycles,
      ratioMedian: round3(median(ratios)),
      ratioLow: round3(interval?.low ?? Number.NaN),
      ratioHigh: round3(interval?.high ?? Number.NaN),
      coverage: round3(interval?.coverage ?? Number.NaN),
      meanMicros: Math.round(meanOf(own, 0, own.length) * 1000),
      addedMicrosMedian:
        Math.round(
          median(
            means.map((m, b) => (m - (floorMeans[b] as number)) * 1000).filter((x) => !Number.isNaN(x)),
          ) * 10,
        ) / 10,
      errors: own.filter((x) => Number.isNaN(x)).length,
    };
  });
}

/** Both one-client measurements of {@link interleaveOneClient}, each a row per peer and workload. */
export interface OneClientRows {
  /** Every peer in one loop (the floor's own row included, at 1). */
  readonly all: InterleavedRow[];
  /** Each peer but the floor interleaved with the floor alone. */
  readonly pairs: InterleavedRow[];
}

/**
 * The one-client measurements of `peers` (the floor first), point query then endpoint statement: all of them in one
 * loop for `ms` per workload, then each with the floor alone for `pairMs` (the rounds' pairing, statement by
 * statement). The two bracket a peer's cost: next to the floor alone its code stays warm, among all the others it is
 * evicted before each statement.
 */
export async function interleaveOneClient(
  peers: readonly Peer[],
  options: {
    readonly ms: number;
    readonly pairMs: number;
    readonly rows: number;
    readonly log: (line: string) => void;
  },
): Promise<OneClientRows> {
  const { ms, pairMs, rows, log } = options;
  const floor = peers[0];
  if (!floor) throw new Error('no peers: the floor comes first');
  const all: InterleavedRow[] = [];
  const pairs: InterleavedRow[] = [];
  for (const w of ['point', 'endpoint'] as const) {
    all.push(...summariseInterleaved(w, peers, await interleave(peers, w, ms, rows)));
    log(`  done: ${w}, one client, interleaved`);
  }
  for (const w of ['point', 'endpoint'] as const) {
    for (const p of peers.slice(1)) {
      const pair = [floor, p];
      const row = summariseInterleaved(w, pair, await interleave(pair, w, pairMs, rows))[1];
      if (row) pairs.push(row);
    }
    log(`  done: ${w}, one client, each peer paired with the floor`);
  }
  return { all, pairs };
}
