/**
 * The scale section: each endpoint's latency on the small, medium and large data sets (bench/endpoints.ts,
 * routed pass), the five slowest statements with their plans, and how latency grows with the data.
 */
import type { Chart } from './charts.ts';
import { type Cell, environmentLine, fixed, missing, type RunEnvironment, table } from './markdown.ts';
import type { Section } from './section.ts';

export interface EndpointsResults extends RunEnvironment {
  readonly size: string;
  readonly datums: number;
  readonly pass1: Readonly<
    Record<
      string,
      {
        readonly path: string;
        readonly p50: number;
        readonly p99: number;
        readonly rps: number;
        readonly errors: number;
        /** Requests answered during the run (none: the endpoint took longer than the run). */
        readonly requests?: number;
      }
    >
  >;
  readonly slowest: readonly {
    readonly server: string;
    readonly calls: number;
    readonly meanMs: number;
    readonly maxMs: number;
    readonly query: string;
    readonly planSummary: string;
  }[];
}

export const SCALE_SIZES = ['small', 'medium', 'large'] as const;
export type ScaleSize = (typeof SCALE_SIZES)[number];

export function scaleSection(bySize: Partial<Record<ScaleSize, EndpointsResults>>): Section {
  const title = 'Endpoint latency and scale';
  const sizes = SCALE_SIZES.filter((s) => bySize[s] !== undefined);
  if (sizes.length === 0) {
    return { title, markdown: missing('endpoints.json', 'npm run bench -- --only scale'), charts: [] };
  }
  const names = [...new Set(sizes.flatMap((s) => Object.keys(bySize[s]?.pass1 ?? {})))];
  const values = sizes.flatMap((s) =>
    Object.entries(bySize[s]?.pass1 ?? {})
      .filter(([, m]) => answered(m))
      .map(([endpoint, m]) => ({
        size: `${s} (${((bySize[s]?.datums ?? 0) / 1e6).toFixed(2)} M datums)`,
        endpoint,
        p50: Math.max(0.5, m.p50),
        p99: Math.max(0.5, m.p99),
        label: `${endpoint}, ${s}: p50 ${m.p50} ms, p99 ${m.p99} ms`,
      })),
  );
  const lastSize = values.at(-1)?.size ?? '';
  const chart: Chart = {
    file: 'scale.svg',
    title: 'How each endpoint’s p50 latency grows from the small to the medium to the large data set',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: 'Endpoint p50 latency by data set size (ms, log scale)',
        subtitle: 'routed, no write load, 4 connections; under 1 ms drawn at 0.5',
      },
      data: { values },
      width: 420,
      height: 380,
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: {
              field: 'size',
              type: 'ordinal',
              title: null,
              sort: null,
              axis: { labelAngle: 0, labelLimit: 200 },
            },
            y: { field: 'p50', type: 'quantitative', title: 'p50 ms', scale: { type: 'log' } },
            color: { field: 'endpoint', type: 'nominal', title: 'endpoint', sort: names },
            description: { field: 'label' },
          },
        },
        {
          transform: [{ filter: { field: 'size', equal: lastSize } }],
          mark: { type: 'text', align: 'left', dx: 6, fontSize: 10 },
          encoding: {
            x: { field: 'size', type: 'ordinal', sort: null },
            y: { field: 'p50', type: 'quantitative', scale: { type: 'log' } },
            text: { field: 'endpoint', type: 'nominal' },
            color: { field: 'endpoint', type: 'nominal', sort: names, legend: null },
          },
        },
      ],
    },
  };
  const latencyTable = table(
    ['endpoint', ...sizes.flatMap((s) => [`${s} p50 ms`, `${s} p99 ms`])],
    names.map((n) => [
      n,
      ...sizes.flatMap((s): Cell[] => {
        const m = bySize[s]?.pass1[n];
        return m && !answered(m) ? ['no answer within the run', null] : [m?.p50, m?.p99];
      }),
    ]),
  );
  const slowest = sizes
    .filter((s) => s !== 'small')
    .flatMap((s) => {
      const r = bySize[s] as EndpointsResults;
      return [
        `**Five slowest statements, ${s}** (mean execution time in pg_stat_statements after the routed pass):`,
        '',
        table(
          ['server', 'mean ms', 'max ms', 'calls', 'statement', 'plan'],
          [...r.slowest]
            .sort((a, b) => b.meanMs - a.meanMs)
            .slice(0, 5)
            .map((q) => [
              q.server,
              fixed(q.meanMs, 1),
              fixed(q.maxMs, 1),
              q.calls,
              `\`${q.query.replace(/\s+/g, ' ').slice(0, 110)}…\``,
              q.planSummary,
            ]),
        ),
        '',
      ];
    });
  const markdown = [
    ...sizes.map((s) => `${s}: ${environmentLine(bySize[s] as EndpointsResults)}`),
    '',
    'Each endpoint over real HTTP (autocannon, 4 connections) with routing on and no write load, parameters read ' +
      'from the data (bench/endpoints.ts). Full plans of the slowest statements: bench/results/endpoint-plans*.md. ' +
      'The sizes come from separate runs (their dates and load averages above): on this shared machine a run under ' +
      'a heavier load moves the lines as much as the data set does, so read the growth from medium to large ' +
      'together with the loads.',
    ...(sizes.includes('large')
      ? []
      : [
          '',
          '_The large data set was not measured (seeding it did not fit this run); `npm run bench -- --only scale --size large` measures it._',
        ]),
    '',
    `![${chart.title}](benchmarks/${chart.file})`,
    '',
    latencyTable,
    '',
    ...slowest,
  ].join('\n');
  return { title, markdown, charts: [chart] };
}

/** Whether the run got answers (an endpoint slower than the run has none, and autocannon reports 0 ms). */
function answered(m: { readonly requests?: number; readonly rps: number }): boolean {
  return (m.requests ?? 1) > 0 && m.rps > 0;
}
