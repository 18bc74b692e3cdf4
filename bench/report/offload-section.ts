/** The offload section: the primary's CPU and statements on reads, routing on vs off, under ingestion. */

import { median } from '../support/stats.ts';
import type { Chart } from './charts.ts';
import { environmentLine, fixed, missing, type RunEnvironment, table } from './markdown.ts';
import type { Section } from './section.ts';

type Server = 'primary' | 'replica';
type Variant = 'routing on' | 'routing on, hedging off' | 'routing off';
const VARIANTS: readonly Variant[] = ['routing off', 'routing on', 'routing on, hedging off'];
const COLORS = { domain: [...VARIANTS], range: ['#e45756', '#4c78a8', '#72b7b2'] };
interface Statements {
  readonly reads: number;
  readonly writes: number;
}
export interface OffloadRun {
  readonly variant: Variant;
  readonly round: number;
  readonly seconds: number;
  readonly http?: {
    readonly requests: number;
    readonly errors: number;
    readonly rps: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
  };
  /** The whole server: postmaster and children. */
  readonly cpuSeconds: Readonly<Record<Server, number>>;
  /** The service's own backends (its role) on each server. */
  readonly serviceCpuSeconds: Readonly<Record<Server, number>>;
  readonly statements: Readonly<Record<Server, Statements>>;
  readonly lag: { readonly p50Ms: number; readonly maxMs: number; readonly maxBytes: number };
  readonly ingested: number;
  readonly ingestRate: number;
}
export interface OffloadResults extends RunEnvironment {
  readonly size: string;
  readonly datums: number;
  readonly settings: {
    readonly seconds: number;
    readonly rounds: number;
    readonly connections: number;
    readonly ingestRate: number;
  };
  readonly mix: readonly { readonly name: string; readonly path: string }[];
  /** CPU ms each server spends per ingested datum with ingestion alone. */
  readonly ingestCpuMsPerDatum: Readonly<Record<Server, number>>;
  readonly runs: readonly OffloadRun[];
  readonly routingReasons?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly headline: {
    readonly primaryReadCpuShare: number;
    readonly primaryServerCpuShare?: number;
    readonly primaryReadCpuShareHedgingOff?: number;
    readonly primaryReadStatementShareHedgingOff?: number;
    readonly primaryReadStatementShare: number;
    readonly goalShare: number;
    readonly ingestRateOn: number;
    readonly ingestRateOff: number;
    readonly ingestTarget: number;
  };
}

export function offloadSection(results: OffloadResults | undefined): Section {
  const title = 'Offload: what routing takes off the primary';
  if (!results)
    return { title, markdown: missing('offload.json', 'npm run bench -- --only offload'), charts: [] };
  const h = results.headline;
  const met = h.primaryReadCpuShare < h.goalShare;
  const charts: Chart[] = [cpuChart(results), statementsChart(results)];
  const markdown = [
    environmentLine(results),
    '',
    `The service three times in one process (routing on as configured by default, hedged reads included; routing on with hedging off; routing off: no replicas), the \`${results.size}\` ` +
      `data set (${results.datums.toLocaleString('en')} datums), ingestion writing ${results.settings.ingestRate} datums/s ` +
      `on the primary throughout. The read mix is every replica-routed endpoint (${results.mix.length} requests, ` +
      `parameters read from the data), ${results.settings.connections} connections, ${results.settings.seconds} s per run, ` +
      `${results.settings.rounds} round(s) of the variants, the order reversed every round. The service connects as its own ` +
      `database role, so its statements (pg_stat_statements by role) and its backends' CPU (the role's backends in ` +
      `pg_stat_activity, their CPU from /proc, sampled every 250 ms) are told apart from ingestion's, which reads ` +
      `too. Each server's whole CPU (postmaster and all its children, from /proc) is in the table; as a cross-check, ` +
      `the primary's whole CPU less what the datums ingested during a run cost with ingestion alone (windows ` +
      `without HTTP: ${fixed(results.ingestCpuMsPerDatum.primary, 3)} CPU ms per datum on the primary, ` +
      `${fixed(results.ingestCpuMsPerDatum.replica, 3)} on the replica) gives ` +
      `${fixed((h.primaryServerCpuShare ?? Number.NaN) * 100, 0)} % (noisy: ingestion's own cost swings more than the reads cost). ` +
      `Shares are per request (a variant's totals over its runs), so serving more requests does not count against a variant.`,
    '',
    `- **Primary CPU on the service's reads with routing on: ${fixed(h.primaryReadCpuShare * 100, 1)} % of routing off** ` +
      `(goal under ${h.goalShare * 100} %: ${met ? 'met' : '**not met**'}); primary read statements per request: ` +
      `${fixed(h.primaryReadStatementShare * 100, 1)} % of routing off.`,
    ...(h.primaryReadCpuShareHedgingOff === undefined
      ? []
      : [
          `- With hedged reads off (\`READ_REPLICA_HEDGE_MS=0\`): ${fixed(h.primaryReadCpuShareHedgingOff * 100, 1)} % ` +
            `of routing off's primary CPU, ${fixed((h.primaryReadStatementShareHedgingOff ?? Number.NaN) * 100, 1)} % of its ` +
            `read statements. Hedging sends a replica statement that has not answered within its delay (2 × the p95 ` +
            `of that statement's recent runs; the replica-wide delay, at most 250 ms, for its first run) to the primary ` +
            `as well: a statement's first runs and its slow outliers also run there` +
            (results.routingReasons?.['routing on']
              ? ` (${results.routingReasons['routing on'].hedged ?? 0} statements hedged in the routing-on runs).`
              : '.'),
        ]),
    `- Ingestion (median datums/s over a variant's runs, target ${h.ingestTarget}): ` +
      VARIANTS.filter((v) => results.runs.some((r) => r.variant === v))
        .map(
          (v) =>
            `${v} ${Math.round(median(results.runs.filter((r) => r.variant === v).map((r) => r.ingestRate)))}`,
        )
        .join(', ') +
      '. On this machine the read mix and ingestion share two cores with each other and with other work, so ' +
      'ingestion falls behind in every variant and catches up between runs; its rate swings more between runs ' +
      'than between variants.',
    '',
    `![${charts[0]?.title}](benchmarks/${charts[0]?.file})`,
    '',
    `![${charts[1]?.title}](benchmarks/${charts[1]?.file})`,
    '',
    table(
      [
        'run',
        'req/s',
        'p50 ms',
        'p99 ms',
        'errors',
        'CPU s primary',
        'CPU s replica',
        'service CPU s primary',
        'service CPU s replica',
        'reads primary',
        'reads replica',
        'writes primary',
        'ingest/s',
        'lag p50 / max ms',
      ],
      results.runs.map((r) => [
        `${r.variant} (${r.round + 1})`,
        r.http?.rps,
        r.http?.p50Ms,
        r.http?.p99Ms,
        r.http?.errors,
        r.cpuSeconds.primary,
        r.cpuSeconds.replica,
        r.serviceCpuSeconds.primary,
        r.serviceCpuSeconds.replica,
        r.statements.primary.reads,
        r.statements.replica.reads,
        r.statements.primary.writes,
        r.ingestRate,
        `${r.lag.p50Ms} / ${r.lag.maxMs}`,
      ]),
    ),
    '',
    `The mix: ${results.mix.map((m) => `\`${m.name}\``).join(', ')}.`,
  ].join('\n');
  return { title, markdown, charts };
}

function cpuChart(results: OffloadResults): Chart {
  const values = perServerPerRequest(
    results,
    'cpuMsPerRequest',
    (r, server) => r.serviceCpuSeconds[server],
    'CPU ms per request',
    1000,
  );
  return {
    file: 'offload-cpu.svg',
    title: 'Database CPU on reads per request, per server, routing on vs off',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text:
          `Primary CPU on the service's reads, routing on: ${fixed(results.headline.primaryReadCpuShare * 100, 1)} % of routing off` +
          (results.headline.primaryReadCpuShareHedgingOff === undefined
            ? ''
            : `, ${fixed(results.headline.primaryReadCpuShareHedgingOff * 100, 1)} % with hedging off`),
        subtitle: `CPU ms per request of the service's own backends on each server; ${results.settings.ingestRate} datums/s ingested throughout`,
      },
      ...perServerBars(values, 'cpuMsPerRequest', 'CPU ms per request'),
    },
  };
}

function statementsChart(results: OffloadResults): Chart {
  const values = perServerPerRequest(
    results,
    'readsPerRequest',
    (r, server) => r.statements[server].reads,
    'read statements per request',
    1,
  );
  const ingest = results.runs.map((r) => ({
    variant: r.variant,
    run: r.round + 1,
    datumsPerSecond: r.ingestRate,
    label: `${r.variant}, run ${r.round + 1}: ${r.ingestRate} datums/s ingested`,
  }));
  return {
    file: 'offload-statements.svg',
    title: 'Read statements per request on each server, and ingestion throughput, routing on vs off',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: 'Where the service’s reads ran, and the rate ingestion kept',
        subtitle: 'pg_stat_statements on each server; datums/s ingested during each run',
      },
      hconcat: [
        perServerBars(values, 'readsPerRequest', 'read statements per request'),
        {
          data: { values: ingest },
          width: 120,
          height: 220,
          mark: 'bar',
          encoding: variantBarEncoding('datumsPerSecond', 'ingested datums/s'),
        },
      ],
    },
  };
}

/** Bars of one value per variant and run (colored by variant), with an ARIA description from `label`. */
function variantBarEncoding(field: string, title: string) {
  return {
    x: {
      field: 'variant',
      type: 'nominal' as const,
      title: null,
      sort: [...VARIANTS],
      axis: { labels: false, ticks: false },
    },
    xOffset: { field: 'run', type: 'ordinal' as const },
    y: { field, type: 'quantitative' as const, title },
    description: { field: 'label' },
    color: { field: 'variant', type: 'nominal' as const, title: null, scale: COLORS },
  };
}

/** {@link variantBarEncoding} in one column per server (primary, replica). */
function perServerBars(values: object[], field: string, title: string) {
  return {
    data: { values },
    width: 160,
    height: 220,
    mark: 'bar' as const,
    encoding: {
      column: { field: 'server', type: 'nominal' as const, title: null, sort: ['primary', 'replica'] },
      ...variantBarEncoding(field, title),
    },
  };
}

/**
 * One row per run and server: `amount` of the run on the server per HTTP request, times `scale`, to 2
 * decimals, as `field`, with a label naming it in `unit`.
 */
function perServerPerRequest(
  results: OffloadResults,
  field: string,
  amount: (run: OffloadRun, server: Server) => number,
  unit: string,
  scale: number,
): Record<string, string | number>[] {
  return results.runs.flatMap((r) =>
    (['primary', 'replica'] as const).map((server) => {
      const perRequest =
        Math.round((amount(r, server) / Math.max(1, r.http?.requests ?? 1)) * (scale * 100)) / 100;
      return {
        variant: r.variant,
        server,
        run: r.round + 1,
        [field]: perRequest,
        label: `${r.variant}, run ${r.round + 1}, ${server}: ${perRequest} ${unit}`,
      };
    }),
  );
}
