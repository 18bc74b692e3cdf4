/**
 * The peers section's one-client measurement, statement by statement (bench/support/interleaved.ts): its headline
 * line, its table and its chart. Two interleavings: every peer in one loop (each statement follows other peers', its
 * code and data evicted), and each peer with the floor alone (the rounds' pairing: only its code and the floor's run).
 */
import type { InterleavedRow } from '../support/interleaved.ts';
import type { Chart } from './charts.ts';
import { fixed, table } from './markdown.ts';

export interface InterleavedResults {
  /** Timed length per workload (ms). */
  readonly ms: number;
  readonly batches: number;
  /** Share of each batch's statements dropped at each end before its mean; absent in results saved before. */
  readonly trim?: number;
  /** The floor's pool inside `runInReplicaScope`: the scope's own cost. */
  readonly scopeOnly?: string;
  readonly rows: readonly InterleavedRow[];
  /** Each peer interleaved with the floor alone, `ms` per peer and workload; absent in results saved before. */
  readonly pairs?: { readonly ms: number; readonly rows: readonly InterleavedRow[] };
}

/** What a peer's statements were interleaved with, as the table and the chart name it. */
const WITH_ALL = 'all peers';
const WITH_FLOOR = 'the floor alone';

/** Every row of both interleavings, each with what it was interleaved with. */
function allRows(interleaved: InterleavedResults): { readonly with: string; readonly row: InterleavedRow }[] {
  return [
    ...interleaved.rows.map((row) => ({ with: WITH_ALL, row })),
    ...(interleaved.pairs?.rows ?? []).map((row) => ({ with: WITH_FLOOR, row })),
  ];
}

/** Each workload as the one-client and the phased lines and charts name it. */
export const WORKLOADS = { point: 'the point query', endpoint: 'the platforms statement' } as const;

/** A ratio with its interval and the µs added, e.g. `0.951× (0.944–0.958, +13.2 µs)`. */
export function ratioText(r: InterleavedRow): string {
  return `${fixed(r.ratioMedian, 3)}× (${fixed(r.ratioLow, 3)}–${fixed(r.ratioHigh, 3)}, ${signed(r.addedMicrosMedian)} µs)`;
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${fixed(Math.abs(x), 1)}`;
}

/** `name`'s ratio on each workload, e.g. `0.951× (0.944–0.958, +13.2 µs) on the point query and …`. */
function peerText(rows: readonly InterleavedRow[], name: string): string | undefined {
  const own = rows.filter((r) => r.peer === name);
  if (own.length === 0) return undefined;
  return own.map((r) => `${ratioText(r)} on ${WORKLOADS[r.workload]}`).join(' and ');
}

/**
 * The headline line: the routed pool in scope at one client (its ratio, the median's interval and the µs it adds),
 * beside hedging off, the scope alone and the A/A control.
 */
export function interleavedHeadline(
  interleaved: InterleavedResults,
  names: { readonly routed: string; readonly hedgingOff: string; readonly control?: string | undefined },
  target: number,
): string {
  const { rows, pairs } = interleaved;
  const routed = rows.filter((r) => r.peer === names.routed);
  const cycles = Math.min(...rows.map((r) => r.cycles));
  const verdict = (own: readonly InterleavedRow[]) =>
    own.length > 0 && own.every((r) => r.ratioMedian >= target) ? 'met' : '**not met**';
  const others = (rows: readonly InterleavedRow[]) =>
    [
      [names.hedgingOff, 'with hedged reads off'],
      [interleaved.scopeOnly, 'the scope alone (the floor’s pool inside `runInReplicaScope`)'],
      [names.control, 'the A/A control'],
    ]
      .map(([name, label]) => {
        const text = name === undefined ? undefined : peerText(rows, name);
        return text && `${label} ${text}`;
      })
      .filter((t): t is string => t !== undefined);
  const paired = pairs?.rows.filter((r) => r.peer === names.routed) ?? [];
  return (
    `**One client, statement by statement** (every peer's statements in one loop, one of each per cycle in a ` +
    `shuffled order, at least ${cycles} cycles per workload; median of ${interleaved.batches} batches' ratios` +
    `${interleaved.trim ? ` of means without the fastest and slowest ${Math.round(interleaved.trim * 100)} %` : ''}, ` +
    `its 95 % interval, and the µs added per statement): RoutedPool in scope runs at ` +
    `${peerText(rows, names.routed) ?? 'not measured'} (target ≥ ${target}: ${verdict(routed)}); ` +
    `${others(rows).join('; ')}.` +
    (pairs && paired.length > 0
      ? ` **Each peer with the floor alone** (the rounds' pairing, statement by statement: ${pairs.ms / 1000} s per ` +
        `peer and workload, only the peer's code and the floor's between two statements): RoutedPool in scope runs ` +
        `at ${peerText(pairs.rows, names.routed)} (target ≥ ${target}: ${verdict(paired)}); ` +
        `${others(pairs.rows).join('; ')}.`
      : '')
  );
}

/** Every peer's one-client numbers. */
export function interleavedTable(interleaved: InterleavedResults, floor: string): string {
  return table(
    [
      'interleaved with',
      'workload',
      'peer',
      'cycles',
      'mean µs',
      'ratio to floor',
      '95 % interval',
      '+µs per statement',
      'errors',
    ],
    allRows(interleaved).map(({ with: w, row: r }) => [
      w,
      r.workload,
      r.peer,
      r.cycles,
      r.meanMicros,
      r.ratioMedian,
      r.peer === floor ? null : `${fixed(r.ratioLow, 3)}–${fixed(r.ratioHigh, 3)}`,
      r.peer === floor ? null : r.addedMicrosMedian,
      r.errors,
    ]),
  );
}

/** The one-client ratios with their intervals, a row per peer, a column per workload. */
export function interleavedChart(interleaved: InterleavedResults, floor: string, target: number): Chart {
  return ratioChart({
    file: 'peers-one-client.svg',
    title: 'One client, statement by statement: throughput as a share of the floor, with 95 % intervals',
    heading: 'One client, statements interleaved: throughput ÷ floor (raw pg.Pool on the replica)',
    seriesTitle: 'interleaved with',
    series: [WITH_ALL, WITH_FLOOR],
    target,
    values: allRows(interleaved)
      .filter(({ row }) => row.peer !== floor)
      .map(({ with: w, row: r }) => ({
        series: w,
        row: r,
        label: `${r.peer}, ${WORKLOADS[r.workload]}, one client, interleaved with ${w}`,
      })),
  });
}

/** A point of {@link ratioChart}: a peer's ratio on a workload, in one series, and what its description says. */
export interface RatioPoint {
  readonly series: string;
  readonly row: InterleavedRow;
  /** Whose ratio it is and how it was measured (its ratio and interval are appended). */
  readonly label: string;
}

/**
 * Ratios to the floor with their 95 % intervals: a row per peer, a column per workload, each row's series side by
 * side and told apart by colour, the target dashed.
 */
export function ratioChart(o: {
  readonly file: string;
  readonly title: string;
  readonly heading: string;
  readonly seriesTitle: string;
  /** The series in their order (the first two get the report's two colours). */
  readonly series: readonly string[];
  readonly target: number;
  readonly values: readonly RatioPoint[];
}): Chart {
  const values = o.values.map(({ series, row: r, label }) => ({
    series,
    workload: WORKLOADS[r.workload],
    peer: r.peer,
    ratio: r.ratioMedian,
    low: r.ratioLow,
    high: r.ratioHigh,
    label: `${label}: ${fixed(r.ratioMedian, 3)}× the floor (95 % interval ${fixed(r.ratioLow, 3)}–${fixed(r.ratioHigh, 3)})`,
  }));
  const peers = [...new Set(values.map((v) => v.peer))];
  // Room for the longest name as the headless renderer estimates text (0.8 × font size per character).
  const y = { field: 'peer', type: 'nominal' as const, sort: peers, title: null, axis: { labelLimit: 440 } };
  const present = o.series.filter((name) => values.some((v) => v.series === name));
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: o.seriesTitle,
    sort: present,
    scale: { domain: [...o.series], range: ['#4c78a8', '#f58518', '#54a24b'] },
    legend: { orient: 'bottom' as const },
  };
  const yOffset = { field: 'series', type: 'nominal' as const, sort: present };
  return {
    file: o.file,
    title: o.title,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: o.heading,
        subtitle: `point: median of the batches' ratios; line: its 95 % interval; colour: ${o.seriesTitle}; dashed: the routed pool's target, ${o.target}×`,
      },
      data: { values },
      facet: {
        column: { field: 'workload', type: 'nominal', title: null, sort: Object.values(WORKLOADS) },
      },
      spec: {
        width: 260,
        height: { step: present.length > 1 ? 24 : 18 },
        layer: [
          {
            mark: { type: 'rule', strokeWidth: 2 },
            encoding: {
              y,
              yOffset,
              color,
              x: { field: 'low', type: 'quantitative', title: 'ratio to floor', scale: { zero: false } },
              x2: { field: 'high' },
              description: { field: 'label' },
            },
          },
          {
            mark: { type: 'point', filled: true, size: 50 },
            encoding: {
              y,
              yOffset,
              color,
              x: { field: 'ratio', type: 'quantitative' },
              description: { field: 'label' },
            },
          },
          {
            mark: { type: 'rule', strokeDash: [4, 3], color: '#333' },
            encoding: { x: { datum: o.target, type: 'quantitative' } },
          },
        ],
      },
    },
  };
}
