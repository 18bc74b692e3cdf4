/**
 * How bench/peers.ts measures a peer: closed-loop runs (`drive`), each paired with a floor run next to it, and the
 * pairs summarised as ratios to the floor and what the peer adds over it (`summarise`).
 */
import { idSequence, median, percentile, round3 } from './stats.ts';

/** The two statements every peer runs: a point query by primary key, and the platforms endpoint's statement. */
export type Workload = 'point' | 'endpoint';
/** One statement of `workload` through a peer (`id`: the point query's key). */
export type Run = (workload: Workload, id: number) => Promise<unknown>;

export interface Peer {
  readonly name: string;
  readonly expected: 'primary' | 'replica';
  readonly run: Run;
  /** Reads through the floor's own pool (its connections and server processes). */
  readonly onFloorPool?: true;
}

export interface Measured {
  readonly ops: number;
  readonly p50Micros: number;
  readonly p99Micros: number;
  readonly errors: number;
  /** This process's CPU (user + system) per query: the client-side cost, steadier than throughput on a loaded machine. */
  readonly cpuMicros: number;
  /** Connections the servers accepted during the timed run (still open at its end): expected 0. */
  readonly connectionsOpened?: number;
}

export interface Row {
  workload: Workload;
  concurrency: number;
  peer: string;
  server: 'primary' | 'replica';
  opsPerSec: number[];
  ratios: number[];
  p50Micros: number[];
  p99Micros: number[];
  addedP50Micros: number[];
  addedP99Micros: number[];
  opsPerSecMedian: number;
  ratioMedian: number;
  p50MicrosMedian: number;
  p99MicrosMedian: number;
  addedP50MicrosMedian: number;
  addedP99MicrosMedian: number;
  errors: number;
  cpuMicrosMedian: number;
  addedCpuMicrosMedian: number;
  /** Connections the servers accepted during the peer's timed runs, all rounds. */
  connectionsOpened: number;
}

/** A peer's runs (`own`) against the floor runs paired with them (`floor`, the same order): one row. */
export function summarise(
  w: Workload,
  concurrency: number,
  p: Peer,
  own: Measured[],
  floor: Measured[],
): Row {
  const ratios = own.map((o, i) => o.ops / (floor[i]?.ops ?? Number.NaN));
  const addedP50 = own.map((o, i) => o.p50Micros - (floor[i]?.p50Micros ?? Number.NaN));
  const addedP99 = own.map((o, i) => o.p99Micros - (floor[i]?.p99Micros ?? Number.NaN));
  return {
    workload: w,
    concurrency,
    peer: p.name,
    server: p.expected,
    opsPerSec: own.map((o) => Math.round(o.ops)),
    ratios: ratios.map(round3),
    p50Micros: own.map((o) => Math.round(o.p50Micros)),
    p99Micros: own.map((o) => Math.round(o.p99Micros)),
    addedP50Micros: addedP50.map(Math.round),
    addedP99Micros: addedP99.map(Math.round),
    opsPerSecMedian: Math.round(median(own.map((o) => o.ops))),
    ratioMedian: round3(median(ratios)),
    p50MicrosMedian: Math.round(median(own.map((o) => o.p50Micros))),
    p99MicrosMedian: Math.round(median(own.map((o) => o.p99Micros))),
    addedP50MicrosMedian: Math.round(median(addedP50)),
    addedP99MicrosMedian: Math.round(median(addedP99)),
    errors: own.reduce((t, o) => t + o.errors, 0),
    cpuMicrosMedian: round3(median(own.map((o) => o.cpuMicros))),
    addedCpuMicrosMedian: round3(
      median(own.map((o, i) => o.cpuMicros - (floor[i]?.cpuMicros ?? Number.NaN))),
    ),
    connectionsOpened: own.reduce((t, o) => t + (o.connectionsOpened ?? 0), 0),
  };
}

/**
 * `concurrency` callers in a loop for `ms`, ids drawn over 1 … `rows`: ops per second, per-query latency p50/p99
 * (µs) and this process's CPU per query.
 */
export async function drive(
  run: Run,
  w: Workload,
  concurrency: number,
  ms: number,
  rows: number,
): Promise<Measured> {
  const nextId = idSequence(concurrency, rows);
  const latencies: number[] = [];
  let errors = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        try {
          await run(w, nextId());
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  return {
    ops: latencies.length / seconds,
    p50Micros: percentile(latencies, 0.5) * 1000,
    p99Micros: percentile(latencies, 0.99) * 1000,
    errors,
    cpuMicros: (used.user + used.system) / Math.max(1, latencies.length),
  };
}
