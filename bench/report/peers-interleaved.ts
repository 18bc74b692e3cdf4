/**
 * The peers section's one-client measurement, statement by statement (bench/support/interleaved.ts): its headline
 * line, its table and its chart.
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
}

const WORKLOADS = { point: 'the point query', endpoint: 'the platforms statement' } as const;

function ratioText(r: InterleavedRow): string {
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
  const { rows } = interleaved;
  const routed = rows.filter((r) => r.peer === names.routed);
  const cycles = Math.min(...rows.map((r) => r.cycles));
  const met = routed.length > 0 && routed.every((r) => r.ratioMedian >= target);
  const others = [
    [names.hedgingOff, 'with hedged reads off'],
    [interleaved.scopeOnly, 'the scope alone (the floor’s pool inside `runInReplicaScope`)'],
    [names.control, 'the A/A control'],
  ]
    .map(([name, label]) => {
      const text = name === undefined ? undefined : peerText(rows, name);
      return text && `${label} ${text}`;
    })
    .filter((t): t is string => t !== undefined);
  return (
    `**One client, statement by statement** (every peer's statements in one loop, one of each per cycle in a ` +
    `shuffled order, at least ${cycles} cycles per workload; median of ${interleaved.batches} batches' ratios` +
    `${interleaved.trim ? ` of means without the fastest and slowest ${Math.round(interleaved.trim * 100)} %` : ''}, ` +
    `its 95 % interval, and the µs added per statement): RoutedPool in scope runs at ` +
    `${peerText(rows, names.routed) ?? 'not measured'} (target ≥ ${target}: ${met ? 'met' : '**not met**'}); ` +
    `${others.join('; ')}.`
  );
}

/** Every peer's one-client numbers. */
export function interleavedTable(interleaved: InterleavedResults, floor: string): string {
  return table(
    [
      'workload',
      'peer',
      'cycles',
      'mean µs',
      'ratio to floor',
      '95 % interval',
      '+µs per statement',
      'errors',
    ],
    interleaved.rows.map((r) => [
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
  const values = interleaved.rows
    .filter((r) => r.peer !== floor)
    .map((r) => ({
      workload: WORKLOADS[r.workload],
      peer: r.peer,
      ratio: r.ratioMedian,
      low: r.ratioLow,
      high: r.ratioHigh,
      label: `${r.peer}, ${WORKLOADS[r.workload]}, one client: ${fixed(r.ratioMedian, 3)}× the floor (95 % interval ${fixed(r.ratioLow, 3)}–${fixed(r.ratioHigh, 3)})`,
    }));
  const peers = [...new Set(values.map((v) => v.peer))];
  // Room for the longest name as the headless renderer estimates text (0.8 × font size per character).
  const y = { field: 'peer', type: 'nominal' as const, sort: peers, title: null, axis: { labelLimit: 440 } };
  return {
    file: 'peers-one-client.svg',
    title: 'One client, statement by statement: throughput as a share of the floor, with 95 % intervals',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: 'One client, statements interleaved: throughput ÷ floor (raw pg.Pool on the replica)',
        subtitle: `point: median of the batches' ratios; line: its 95 % interval; dashed: the routed pool's target, ${target}×`,
      },
      data: { values },
      facet: {
        column: { field: 'workload', type: 'nominal', title: null, sort: Object.values(WORKLOADS) },
      },
      spec: {
        width: 260,
        height: { step: 18 },
        layer: [
          {
            mark: { type: 'rule', strokeWidth: 2, color: '#4c78a8' },
            encoding: {
              y,
              x: { field: 'low', type: 'quantitative', title: 'ratio to floor', scale: { zero: false } },
              x2: { field: 'high' },
              description: { field: 'label' },
            },
          },
          {
            mark: { type: 'point', filled: true, size: 50, color: '#4c78a8' },
            encoding: { y, x: { field: 'ratio', type: 'quantitative' }, description: { field: 'label' } },
          },
          {
            mark: { type: 'rule', strokeDash: [4, 3], color: '#333' },
            encoding: { x: { datum: target, type: 'quantitative' } },
          },
        ],
      },
    },
  };
}
