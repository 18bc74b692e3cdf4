/**
 * The peers section's measurement at 16 and 64 clients in alternating phases (bench/support/phased.ts): its headline
 * line, its table and its chart. The rounds' pairing (each peer next to the floor alone) at the rounds' concurrencies,
 * read with turns of tens of milliseconds instead of seconds.
 */
import type { PhasedRow } from '../support/phased.ts';
import type { Chart } from './charts.ts';
import { fixed, table } from './markdown.ts';
import { ratioChart, ratioText, WORKLOADS } from './peers-interleaved.ts';

export interface PhasedResults {
  /** Timed length per peer, workload and concurrency (ms). */
  readonly ms: number;
  /** About how many statements a phase runs, by workload. */
  readonly perPhase: { readonly point: number; readonly endpoint: number };
  readonly minPerCaller: number;
  readonly rows: readonly PhasedRow[];
}

const clients = (r: PhasedRow) => `${r.concurrency} clients`;

/**
 * `name`'s ratios by workload, e.g. `0.962× (0.95–0.97, +3.1 µs) at 16 and 0.95× (…) at 64 clients on the point query
 * and …`.
 */
function peerText(rows: readonly PhasedRow[], name: string): string | undefined {
  const own = rows.filter((r) => r.peer === name);
  if (own.length === 0) return undefined;
  return (['point', 'endpoint'] as const)
    .map((w) => own.filter((r) => r.workload === w))
    .filter((byWorkload) => byWorkload.length > 0)
    .map(
      (byWorkload) =>
        `${byWorkload.map((r) => `${ratioText(r)} at ${r.concurrency}`).join(' and ')} clients on ` +
        WORKLOADS[byWorkload[0]?.workload ?? 'point'],
    )
    .join(', and ');
}

/** The headline line: the routed pool in scope in phases with the floor, beside hedging off, the scope, the A/A control. */
export function phasedHeadline(
  phased: PhasedResults,
  names: {
    readonly routed: string;
    readonly hedgingOff: string;
    readonly scopeOnly?: string | undefined;
    readonly control?: string | undefined;
  },
  target: number,
): string {
  const routed = phased.rows.filter((r) => r.peer === names.routed);
  const met = routed.length > 0 && routed.every((r) => r.ratioMedian >= target);
  const pairs = Math.min(...phased.rows.map((r) => r.cycles));
  const others = [
    [names.hedgingOff, 'with hedged reads off'],
    [names.scopeOnly, 'the scope alone'],
    [names.control, 'the A/A control'],
  ]
    .map(([name, label]) => {
      const text = name === undefined ? undefined : peerText(phased.rows, name);
      return text && `${label} ${text}`;
    })
    .filter((t): t is string => t !== undefined);
  return (
    `**16 and 64 clients, in phases with the floor** (the rounds' pairing with turns of tens of milliseconds: ` +
    `about ${phased.perPhase.point} point queries or ${phased.perPhase.endpoint} platforms statements per phase, ` +
    `each timed while all its clients were busy, at least ${pairs} pairs of phases per case; median of the batches' ` +
    `ratios, its 95 % interval, and the wall time added per statement): RoutedPool in scope runs at ` +
    `${peerText(phased.rows, names.routed) ?? 'not measured'} (target ≥ ${target}: ${met ? 'met' : '**not met**'}); ` +
    `${others.join('; ')}.`
  );
}

/** Every peer's numbers in phases. */
export function phasedTable(phased: PhasedResults): string {
  return table(
    [
      'clients',
      'workload',
      'peer',
      'pairs of phases',
      'ratio to floor',
      '95 % interval',
      '+µs per statement (wall)',
      'errors',
    ],
    phased.rows.map((r) => [
      r.concurrency,
      r.workload,
      r.peer,
      r.cycles,
      r.ratioMedian,
      `${fixed(r.ratioLow, 3)}–${fixed(r.ratioHigh, 3)}`,
      r.addedMicrosMedian,
      r.errors,
    ]),
  );
}

/** The ratios in phases with their intervals, a row per peer, a column per workload, a colour per concurrency. */
export function phasedChart(phased: PhasedResults, target: number): Chart {
  const series = [...new Set(phased.rows.map(clients))];
  return ratioChart({
    file: 'peers-phased.svg',
    title:
      '16 and 64 clients, in phases with the floor: throughput as a share of the floor, with 95 % intervals',
    heading: 'Many clients, each peer and the floor in alternating phases: throughput ÷ floor',
    seriesTitle: 'clients',
    series,
    target,
    values: phased.rows.map((r) => ({
      series: clients(r),
      row: r,
      label: `${r.peer}, ${WORKLOADS[r.workload]}, ${clients(r)}, in phases with the floor`,
    })),
  });
}
