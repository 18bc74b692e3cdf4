/**
 * The start-up section: `npm start` from nothing and from a persistent .data/ (bench/service-start.ts), and
 * the dev cluster alone (bench/cluster-start.ts).
 */
import type { Chart } from './charts.ts';
import { environmentLine, missing, type RunEnvironment, table } from './markdown.ts';
import type { Section } from './section.ts';

interface Timing {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}
export interface ServiceStartResults {
  readonly api: string;
  readonly runs: Readonly<
    Record<
      string,
      RunEnvironment & {
        readonly timingsMs: Readonly<Record<string, { readonly healthz: Timing; readonly api: Timing }>>;
      }
    >
  >;
}
export interface ClusterStartResults extends RunEnvironment {
  readonly replicas: number;
  readonly timingsMs: Readonly<Record<string, Timing>>;
}

const SERVICE_LABELS: Readonly<Record<string, string>> = {
  'first (seeds)': 'npm start, empty folder (initdb, migrate, seed small)',
  second: 'npm start again on the persistent .data/ (2nd start)',
  third: 'npm start again on the persistent .data/ (3rd start)',
};
const CLUSTER_LABELS: Readonly<Record<string, string>> = {
  ephemeralStart: 'dev cluster, ephemeral (initdb + base backup)',
  persistentFirstStart: 'dev cluster, persistent folder, first start',
  persistentSecondStart: 'dev cluster, persistent folder, later start',
};

export function startupSection(
  service: ServiceStartResults | undefined,
  cluster: ClusterStartResults | undefined,
): Section {
  const title = 'Start-up';
  if (!service && !cluster) {
    return { title, markdown: missing('service-start.json', 'npm run bench -- --only startup'), charts: [] };
  }
  const label = service ? Object.keys(service.runs).at(-1) : undefined;
  const run = label ? service?.runs[label] : undefined;
  const rows: { what: string; kind: string; median: number; min: number; max: number }[] = [];
  for (const [key, t] of Object.entries(run?.timingsMs ?? {})) {
    rows.push({ what: SERVICE_LABELS[key] ?? key, kind: 'first API answer', ...t.api });
  }
  for (const [key, what] of Object.entries(CLUSTER_LABELS)) {
    const t = cluster?.timingsMs[key];
    if (t) rows.push({ what, kind: 'cluster ready', ...t });
  }
  const seconds = rows.map((r) => ({
    ...r,
    medianS: r.median / 1000,
    minS: r.min / 1000,
    maxS: r.max / 1000,
    label: `${r.what}: ${(r.median / 1000).toFixed(1)} s`,
  }));
  const chart: Chart = {
    file: 'startup.svg',
    title: 'Start-up: npm start from nothing and from a persistent .data/, and the dev cluster alone',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: 'Time to answer (s): from nothing vs from a persistent .data/',
        subtitle: 'median, whiskers min–max',
      },
      data: { values: seconds },
      width: 360,
      height: { step: 24 },
      layer: [
        {
          mark: 'bar',
          encoding: {
            y: { field: 'what', type: 'nominal', title: null, sort: null, axis: { labelLimit: 400 } },
            x: { field: 'medianS', type: 'quantitative', title: 'seconds' },
            color: { field: 'kind', type: 'nominal', title: null },
            description: { field: 'label' },
          },
        },
        {
          mark: { type: 'rule', color: '#333' },
          encoding: {
            y: { field: 'what', type: 'nominal', sort: null },
            x: { field: 'minS', type: 'quantitative' },
            x2: { field: 'maxS' },
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 4, dy: -7, fontSize: 10 },
          encoding: {
            y: { field: 'what', type: 'nominal', sort: null },
            x: { field: 'maxS', type: 'quantitative' },
            text: { field: 'medianS', type: 'quantitative', format: '.1f' },
          },
        },
      ],
    },
  };
  const markdown = [
    run ? environmentLine(run) : '',
    cluster ? `Cluster numbers: ${environmentLine(cluster)}` : '',
    '',
    service
      ? `From spawning \`npm start\` to the first 200 on \`${service.api}\` (run “${label}” of bench/service-start.ts), ` +
        'first on an empty folder, then twice more on the same folder after Ctrl-C; and the dev cluster on its own ' +
        '(bench/cluster-start.ts, primary + 1 replica).'
      : missing('service-start.json', 'npm run bench -- --only startup'),
    '',
    `![${chart.title}](benchmarks/${chart.file})`,
    '',
    table(
      ['start', 'measured to', 'median ms', 'min ms', 'max ms'],
      rows.map((r) => [r.what, r.kind, Math.round(r.median), Math.round(r.min), Math.round(r.max)]),
    ),
  ].join('\n');
  return { title, markdown, charts: [chart] };
}
