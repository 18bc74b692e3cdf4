/**
 * What one case of bench/fault-matrix.ts comes to, from what it recorded: the table's row, the timeline (requests
 * and statements per bucket, with the case's marks) and the details kept with the results. Pure: the figures the
 * servers must be asked for (replica writes, recovery conflicts) and the pool's counters are read by the caller
 * once the load has stopped, and passed in.
 */
import type { RoutedPoolStats } from '../../packages/replica-router/src/index.ts';
import type { FaultCase } from './fault-cases.ts';
import type { Sample } from './fault-load.ts';
import { percentile, roundTo } from './stats.ts';

const round = (x: number, digits = 1) => roundTo(x, digits);
const quantile = (xs: readonly number[], q: number) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    q,
  );
const latency = (s: Sample) => s.end - s.start;

export interface CaseRecords {
  readonly case: FaultCase;
  /** The load's requests and stale reads over the whole case. */
  readonly samples: readonly Sample[];
  readonly staleReads: number;
  /** Statements served, per server, from the pool's route events. */
  readonly served: readonly { readonly t: number; readonly server: string }[];
  /** Fault start and end, ejections and readmissions. */
  readonly marks: readonly { readonly t: number; readonly what: string }[];
  /** The service's log lines written during the case. */
  readonly log: readonly string[];
  /** The case's start, the fault's, the moment the recovery action returned (none for a promotion), the load's end. */
  readonly t0: number;
  readonly tFault: number;
  readonly tRecovered: number | undefined;
  readonly tEnd: number;
  /** The pool's counters 1 s after the load stopped. */
  readonly stats: RoutedPoolStats;
  /** Replicas promoted so far: not expected back. */
  readonly promoted: ReadonlySet<string>;
  readonly replicaWrites: number;
  readonly recoveryConflicts: number;
}

export interface CaseSettings {
  readonly probeMs: number;
  readonly poolMax: number;
  readonly bucketMs: number;
  /** Every server, so that each bucket names them all (0 when one served nothing). */
  readonly nodeNames: readonly string[];
}

export function caseFigures(r: CaseRecords, settings: CaseSettings) {
  const { case: c, samples, served, marks, stats, t0, tFault, tRecovered, tEnd } = r;
  const { probeMs, poolMax, bucketMs } = settings;
  const expectedBack = c.targets.filter((t) => !r.promoted.has(t.name)).map((t) => t.name);
  const poolsAtBaseline =
    stats.primary.waitingCount === 0 &&
    stats.primary.totalCount === stats.primary.idleCount &&
    stats.primary.totalCount <= poolMax &&
    stats.replicas.every(
      (p) =>
        p.waitingCount === 0 &&
        p.totalCount === p.idleCount &&
        p.totalCount <= poolMax &&
        p.outstanding === 0 &&
        (!expectedBack.includes(p.name) || (p.state === 'healthy' && p.totalCount >= 1)),
    );
  const baseline = samples.filter((s) => s.start < tFault).map(latency);
  const faulted = samples.filter((s) => s.start >= tFault).map(latency);
  const firstEject = marks.find((m) => m.what.startsWith('ejected') && m.t >= tFault);
  const afterEject = firstEject ? samples.filter((s) => s.start >= firstEject.t).map(latency) : [];
  const readmitWithinMs =
    tRecovered === undefined
      ? null
      : Math.max(
          ...c.targets.map((t) => {
            const first = served.find((s) => s.server === t.name && s.t > tRecovered);
            return first ? first.t - tRecovered : Number.POSITIVE_INFINITY;
          }),
        );
  const warnFound = c.warn.map((re) => r.log.find((l) => re.test(l)));
  const normalP99 = quantile(baseline, 0.99);
  const row = {
    fault: c.fault,
    failed: samples.filter((s) => !s.ok).length,
    slowestMs: round(Math.max(...faulted)),
    p99Ms: round(quantile(faulted, 0.99)),
    normalP99Ms: round(normalP99),
    staleReads: r.staleReads,
    replicaWrites: r.replicaWrites,
    poolsAtBaseline,
    readmitWithinMs:
      readmitWithinMs === null || !Number.isFinite(readmitWithinMs) ? null : round(readmitWithinMs),
    readmitProbeIntervals:
      readmitWithinMs === null || !Number.isFinite(readmitWithinMs)
        ? null
        : round(readmitWithinMs / probeMs, 2),
    warnLogged: warnFound.every((l) => l !== undefined),
  };

  const buckets = [];
  for (let from = t0; from < tEnd; from += bucketMs) {
    const inBucket = samples.filter((s) => s.end >= from && s.end < from + bucketMs);
    const perServer: Record<string, number> = Object.fromEntries(settings.nodeNames.map((n) => [n, 0]));
    for (const s of served)
      if (s.t >= from && s.t < from + bucketMs) perServer[s.server] = (perServer[s.server] ?? 0) + 1;
    const ms = inBucket.map(latency);
    buckets.push({
      tMs: Math.round(from - t0),
      p50Ms: ms.length ? round(quantile(ms, 0.5)) : null,
      p99Ms: ms.length ? round(quantile(ms, 0.99)) : null,
      served: perServer,
      failed: inBucket.filter((s) => !s.ok).length,
    });
  }
  const timeline = {
    bucketMs,
    buckets,
    marks: marks.map((m) => ({ tMs: Math.round(m.t - t0), what: m.what })),
  };

  const totals: Record<string, number> = {};
  for (const s of served) if (s.t >= tFault) totals[s.server] = (totals[s.server] ?? 0) + 1;
  const details = {
    requests: samples.length,
    slowest: samples
      .filter((s) => s.start >= tFault)
      .sort((a, b) => latency(b) - latency(a))
      .slice(0, 5)
      .map((s) => ({ what: s.what, startMs: Math.round(s.start - t0), ms: round(latency(s)) })),
    p99AfterEjectMs: afterEject.length ? round(quantile(afterEject, 0.99)) : null,
    recoveryConflicts: r.recoveryConflicts,
    ejectedAfterMs: firstEject ? Math.round(firstEject.t - tFault) : null,
    statementsServedFromFaultOn: totals,
    warnLines: warnFound.map((l) => (l ? (JSON.parse(l) as { msg?: string }).msg : null)),
    linesLogged: r.log.length,
    pools: {
      primary: { total: stats.primary.totalCount, idle: stats.primary.idleCount },
      replicas: stats.replicas.map((p) => ({
        name: p.name,
        state: p.state,
        total: p.totalCount,
        idle: p.idleCount,
      })),
    },
  };
  return { row, timeline, details };
}
