/**
 * The faults section: latency and requests served per server over time through each replica fault, one
 * chart per fault, from bench/results/fault-matrix.json (written by bench/fault-matrix.ts).
 */
import { type Chart, percentileColor } from './charts.ts';
import { environmentLine, missing, type RunEnvironment, table } from './markdown.ts';
import type { Section } from './section.ts';

export interface FaultBucket {
  readonly tMs: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly served: Readonly<Record<string, number>>;
  readonly failed: number;
}
export interface FaultTimeline {
  readonly bucketMs: number;
  readonly buckets: readonly FaultBucket[];
  readonly marks: readonly { readonly tMs: number; readonly what: string }[];
}
export interface FaultRow {
  readonly fault: string;
  readonly failed: number;
  readonly slowestMs?: number;
  readonly p99Ms?: number;
  readonly normalP99Ms?: number;
  readonly staleReads?: number;
  readonly readmitWithinMs?: number | null;
}
/** bench/fault-matrix.ts's results: the run's machine under `meta`, one row and one timeline per fault. */
export interface FaultMatrixResults {
  readonly meta?: RunEnvironment;
  readonly rows?: readonly FaultRow[];
  readonly timelines: Readonly<Record<string, FaultTimeline>>;
}

export function faultsSection(results: FaultMatrixResults | undefined): Section {
  const title = 'Faults over time';
  if (!results?.timelines) {
    return {
      title,
      markdown: missing(
        'fault-matrix.json',
        'node --conditions=@perfherder/source --import tsx bench/fault-matrix.ts',
      ),
      charts: [],
    };
  }
  const charts = Object.entries(results.timelines).map(([fault, t]) => faultChart(fault, t));
  const lines = Object.entries(results.timelines).map(([fault, t]) => {
    const failed = t.buckets.reduce((n, b) => n + b.failed, 0);
    const served = t.buckets.reduce((n, b) => n + Object.values(b.served).reduce((a, x) => a + x, 0), 0);
    const worstP99 = Math.max(0, ...t.buckets.map((b) => b.p99Ms ?? 0));
    return `- **${fault}**: ${served.toLocaleString('en')} requests served, ${failed} failed; worst p99 in a ${t.bucketMs} ms bucket ${worstP99} ms.`;
  });
  const rows = results.rows ?? [];
  const markdown = [
    environmentLine(results.meta ?? {}),
    '',
    'Latency (p50 and p99 per 250 ms bucket) and requests served by each server while a replica is stopped, frozen, ' +
      'lagging and brought back; the vertical lines mark the fault’s steps. A failed request is one that did not get ' +
      'its answer (a replica failure must never reach a client).',
    '',
    ...lines,
    '',
    ...(rows.length > 0
      ? [
          table(
            ['fault', 'failed', 'p99 ms (normal)', 'slowest ms', 'stale reads', 'readmitted within ms'],
            rows.map((r) => [
              r.fault,
              r.failed,
              `${r.p99Ms ?? '–'} (${r.normalP99Ms ?? '–'})`,
              r.slowestMs,
              r.staleReads,
              r.readmitWithinMs,
            ]),
          ),
          '',
        ]
      : []),
    ...charts.flatMap((c) => [`![${c.title}](benchmarks/${c.file})`, '']),
  ].join('\n');
  return { title, markdown, charts };
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function faultChart(fault: string, t: FaultTimeline): Chart {
  const latency = t.buckets.flatMap((b) =>
    (['p50', 'p99'] as const).flatMap((p) => {
      const ms = p === 'p50' ? b.p50Ms : b.p99Ms;
      return ms === null || ms === undefined ? [] : [{ s: b.tMs / 1000, percentile: p, ms }];
    }),
  );
  const served = t.buckets.flatMap((b) => [
    ...Object.entries(b.served).map(([server, n]) => ({ s: b.tMs / 1000, server, n })),
    ...(b.failed > 0 ? [{ s: b.tMs / 1000, server: 'failed', n: b.failed }] : []),
  ]);
  // labels staggered over three lines, so steps close in time stay readable
  const marks = t.marks.map((m, i) => ({ s: m.tMs / 1000, what: m.what, ly: 2 + (i % 3) * 12 }));
  const rules = (y: 'top' | 'none') => ({
    data: { values: marks },
    layer: [
      {
        mark: { type: 'rule' as const, strokeDash: [3, 3], color: '#555' },
        encoding: { x: { field: 's', type: 'quantitative' as const } },
      },
      ...(y === 'top'
        ? [
            {
              mark: {
                type: 'text' as const,
                align: 'left' as const,
                baseline: 'top' as const,
                dx: 3,
                fontSize: 10,
              },
              encoding: {
                x: { field: 's', type: 'quantitative' as const },
                y: { field: 'ly', type: 'quantitative' as const, scale: null },
                text: { field: 'what', type: 'nominal' as const },
              },
            },
          ]
        : []),
    ],
  });
  return {
    file: `faults-${slug(fault)}.svg`,
    title: `Replica ${fault}: latency and requests served per server over time`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: `Replica ${fault}`,
        subtitle: `per ${t.bucketMs} ms bucket; dashed lines: the fault’s steps`,
      },
      vconcat: [
        stepLines(
          160,
          latency,
          { field: 'ms', title: 'latency ms' },
          percentileColor('latency'),
          rules('top'),
        ),
        stepLines(
          120,
          served,
          { field: 'n', title: 'requests per bucket' },
          { field: 'server', type: 'nominal', title: 'served by' },
          rules('none'),
        ),
      ],
      resolve: { scale: { color: 'independent' } },
    },
  };
}

/** One row of a fault chart: step lines over seconds, colored by `color`, with the fault's steps on top. */
function stepLines<R>(
  height: number,
  values: object[],
  y: { readonly field: string; readonly title: string },
  color: { readonly field: string; readonly type: 'nominal'; readonly title: string },
  rules: R,
) {
  return {
    width: 640,
    height,
    layer: [
      {
        data: { values },
        mark: { type: 'line' as const, interpolate: 'step-after' as const },
        encoding: {
          x: { field: 's', type: 'quantitative' as const, title: 'seconds' },
          y: { ...y, type: 'quantitative' as const },
          color,
        },
      },
      rules,
    ],
  };
}
