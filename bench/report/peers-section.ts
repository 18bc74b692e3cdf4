/** The peers section: throughput ratio to the floor and added latency, per peer, workload and concurrency. */

export type { PeersResults, PeersRow } from './peers-results.ts';

import { median, medianInterval } from '../support/stats.ts';
import type { Chart } from './charts.ts';
import { environmentLine, fixed, missing, range, table } from './markdown.ts';
import { latencyChart, throughputChart } from './peers-charts.ts';
import { interleavedChart, interleavedHeadline, interleavedTable } from './peers-interleaved.ts';
import { phasedChart, phasedHeadline, phasedTable } from './peers-phased.ts';
import { type PeersResults, type PeersRow, WORKLOAD_TITLE } from './peers-results.ts';
import type { Section } from './section.ts';

export const ROUTED_IN_SCOPE = 'RoutedPool in scope';
const HEDGING_OFF = `${ROUTED_IN_SCOPE}, hedging off`;

/** The A/A control's rows (none in results saved before it ran). */
export function controlRows(results: PeersResults): PeersRow[] {
  return results.control === undefined ? [] : results.rows.filter((r) => r.peer === results.control);
}

/** The distribution-free interval of a row's median ratio (at least 90 %), e.g. `93 % interval 0.91–1.03`. */
function intervalText(r: PeersRow): string | undefined {
  const i = medianInterval(r.ratios, 0.9);
  return i && `${Math.round(i.coverage * 100)} % interval ${fixed(i.low, 3)}–${fixed(i.high, 3)}`;
}

/** How many of the routed rows meet the target, and how many of the others have it inside their median's interval. */
function targetCount(rows: readonly PeersRow[], target: number): string {
  const missed = rows.filter((r) => r.ratioMedian < target);
  if (missed.length === 0) return `; target met in all ${rows.length} cases`;
  const inside = missed.filter((r) => (medianInterval(r.ratios, 0.9)?.high ?? Number.NaN) >= target).length;
  const others = missed.length === 1 ? 'the other' : `the ${missed.length} others`;
  const where = inside === missed.length ? others : `${inside} of ${others}`;
  return (
    `; target met in ${rows.length - missed.length} of ${rows.length} cases` +
    (inside > 0 ? `, and inside the median's interval in ${where}` : '')
  );
}

/** Connections opened during timed runs, all peers and cases ('no' when none were counted). */
function connectionsOpened(results: PeersResults): string {
  const counted = results.rows.filter((r) => r.connectionsOpened !== undefined);
  return counted.length === 0 ? 'no' : String(counted.reduce((t, r) => t + (r.connectionsOpened ?? 0), 0));
}
/** About how long a peer waits between its turns (s): every other peer's pair of runs, each after its untimed one. */
function turnSeconds(results: PeersResults): number {
  const first = results.rows[0];
  const peers = results.rows.filter(
    (r) => r.workload === first?.workload && r.concurrency === first?.concurrency,
  );
  return Math.round(((peers.length - 1) * 2 * (results.runMs + (results.warmMs ?? 0))) / 1000);
}

export function peersSection(results: PeersResults | undefined): Section {
  if (!results) {
    return {
      title: 'Peers side by side',
      markdown: missing('peers.json', 'npm run bench -- --only peers'),
      charts: [],
    };
  }
  const routed = results.rows.filter((r) => r.peer === ROUTED_IN_SCOPE);
  const worstRouted = routed.reduce<PeersRow | undefined>(
    (w, r) => (w === undefined || r.ratioMedian < w.ratioMedian ? r : w),
    undefined,
  );
  const pgpool = results.rows.filter((r) => r.peer === 'pgpool-II');
  const pgpoolMedian = pgpool.length > 0 ? median(pgpool.map((r) => r.ratioMedian)) : undefined;
  const met = worstRouted !== undefined && worstRouted.ratioMedian >= results.targetRatio;
  const worstInterval = worstRouted ? intervalText(worstRouted) : undefined;
  const headline = [
    worstRouted
      ? `**RoutedPool in scope runs at ${fixed(worstRouted.ratioMedian, 3)}× the floor at its worst** ` +
        `(${WORKLOAD_TITLE[worstRouted.workload]}, concurrency ${worstRouted.concurrency}; target ≥ ${results.targetRatio}: ` +
        `${met ? 'met' : '**not met**'}${worstInterval ? `; the median's ${worstInterval}` : ''}); ` +
        `median over all cases ${fixed(median(routed.map((r) => r.ratioMedian)), 3)}×` +
        targetCount(routed, results.targetRatio) +
        (routed.every((r) => r.addedCpuMicrosMedian !== undefined)
          ? `; it adds ${range(routed.map((r) => r.addedCpuMicrosMedian ?? 0))} µs of client CPU per query.`
          : '.') +
        hedgingOff(results)
      : 'RoutedPool in scope was not measured.',
    ...controlLine(results),
    ...(results.interleaved
      ? [
          interleavedHeadline(
            results.interleaved,
            { routed: ROUTED_IN_SCOPE, hedgingOff: HEDGING_OFF, control: results.control },
            results.targetRatio,
          ),
        ]
      : []),
    ...(results.phased
      ? [
          phasedHeadline(
            results.phased,
            {
              routed: ROUTED_IN_SCOPE,
              hedgingOff: HEDGING_OFF,
              scopeOnly: results.interleaved?.scopeOnly,
              control: results.control,
            },
            results.targetRatio,
          ),
        ]
      : []),
    pgpoolMedian === undefined
      ? `pgpool-II: ${results.skipped.find((s) => s.peer === 'pgpool-II')?.reason ?? 'not measured'}.`
      : `pgpool-II runs at ${fixed(pgpoolMedian, 2)}× the floor (median over the cases; an independent run measured about 0.5×).`,
  ];
  const charts: Chart[] = [throughputChart(results), latencyChart(results)];
  const oneClient =
    results.interleaved && interleavedChart(results.interleaved, results.floor, results.targetRatio);
  const phased = results.phased && phasedChart(results.phased, results.targetRatio);
  const markdown = [
    environmentLine(results),
    '',
    `Every peer in one process on one cluster (primary + 1 streaming replica), pool max ${results.poolMax} ` +
      `everywhere, ${results.rounds} rounds of ${results.runMs} ms runs, ` +
      (results.order === 'balanced'
        ? `the peers' order balanced over the rounds (a Williams design: each round a peer follows a different one)`
        : `the peers' order rotated every round`) +
      (results.warmMs
        ? `, each timed run right after an untimed ${results.warmMs} ms one of the same pool`
        : '') +
      (results.idleTimeoutMillis === 0
        ? `. Every pool keeps its idle connections (\`idleTimeoutMillis: 0\`): a peer waits about ` +
          `${turnSeconds(results)} s for its next turn, pg-pool's default closes idle connections after 10 s, and the server process of a new ` +
          `connection is slower for a while, which penalised every peer but the floor (it runs next to each of them). ` +
          `The servers counted ${connectionsOpened(results)} connections opened during the timed runs. `
        : '. ') +
      `The floor is a raw \`pg.Pool\` on the replica, and every peer run is paired with a floor run right next to ` +
      `it (floor first in even rounds, the peer first in odd ones): a pair's ratio is the peer's throughput over ` +
      `the floor's, its added latency the peer's p50/p99 minus the floor's, its added client CPU the peer's CPU ` +
      `per query in this process minus the floor's (the steadiest of the three on a loaded machine). Medians over the rounds.` +
      (results.onFloorPool?.length
        ? ` ${results.onFloorPool.join(', ')} read through the floor's own pool (the routed pools take it as their ` +
          `replica, \`replicas: [pool]\`): on the same connections and server processes, so their ratios are the ` +
          `client library's cost alone, not also that of processes of their own, colder after each turn's wait.`
        : ''),
    '',
    `- Point query: \`${results.statements.point}\``,
    `- Endpoint statement (platforms, \`?interval=\`): \`${results.statements.endpoint.replace(/\s+/g, ' ')}\``,
    '',
    ...headline.map((h) => `- ${h}`),
    ...results.skipped.filter((s) => s.peer !== 'pgpool-II').map((s) => `- ${s.peer} skipped: ${s.reason}.`),
    '',
    `![${charts[0]?.title}](benchmarks/${charts[0]?.file})`,
    '',
    `![${charts[1]?.title}](benchmarks/${charts[1]?.file})`,
    '',
    ...(oneClient && results.interleaved
      ? [
          `![${oneClient.title}](benchmarks/${oneClient.file})`,
          '',
          `<details><summary>One client, statement by statement: all numbers (with all peers ${results.interleaved.ms / 1000} s per workload` +
            `${results.interleaved.pairs ? `, with the floor alone ${results.interleaved.pairs.ms / 1000} s per peer and workload` : ''})</summary>`,
          '',
          interleavedTable(results.interleaved, results.floor),
          '',
          '</details>',
          '',
        ]
      : []),
    ...(phased && results.phased
      ? [
          `![${phased.title}](benchmarks/${phased.file})`,
          '',
          `<details><summary>16 and 64 clients in phases: all numbers (${results.phased.ms / 1000} s per peer, workload ` +
            `and concurrency; at least ${results.phased.minPerCaller} statements per client per phase)</summary>`,
          '',
          phasedTable(results.phased),
          '',
          '</details>',
          '',
        ]
      : []),
    '<details><summary>All numbers</summary>',
    '',
    table(
      [
        'workload',
        'conc.',
        'peer',
        'server',
        'ops/s',
        'ratio to floor',
        'median’s interval',
        'ratio min–max',
        'p50 µs',
        'p99 µs',
        '+p50 µs',
        '+p99 µs',
        'client CPU µs',
        '+CPU µs',
      ],
      results.rows.map((r) => [
        r.workload,
        r.concurrency,
        r.peer,
        r.server,
        r.opsPerSecMedian,
        r.ratioMedian,
        r.peer === results.floor ? null : (intervalText(r) ?? null),
        `${fixed(Math.min(...r.ratios), 2)}–${fixed(Math.max(...r.ratios), 2)}`,
        r.p50MicrosMedian,
        r.p99MicrosMedian,
        r.peer === results.floor ? null : r.addedP50MicrosMedian,
        r.peer === results.floor ? null : r.addedP99MicrosMedian,
        r.cpuMicrosMedian,
        r.peer === results.floor ? null : r.addedCpuMicrosMedian,
      ]),
    ),
    '',
    results.served
      ? `Where each peer's statements ran (pg_stat_statements on each server, 40 statements per peer): ${Object.entries(
          results.served,
        )
          .map(([peer, s]) => `${peer} ${s.primary} primary / ${s.replica} replica`)
          .join('; ')}.`
      : '',
    results.versions
      ? `Versions: ${Object.entries(results.versions)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}.`
      : '',
    '',
    '</details>',
  ].join('\n');
  return {
    title: 'Peers side by side',
    markdown,
    charts: [...charts, ...(oneClient ? [oneClient] : []), ...(phased ? [phased] : [])],
  };
}

/** The routed pool with hedged reads off, when measured: its worst ratio and its added client CPU. */
function hedgingOff(results: PeersResults): string {
  const rows = results.rows.filter((r) => r.peer === HEDGING_OFF);
  if (rows.length === 0) return '';
  const worst = Math.min(...rows.map((r) => r.ratioMedian));
  const cpu = rows.map((r) => r.addedCpuMicrosMedian ?? Number.NaN);
  const hedged = results.rows
    .filter((r) => r.peer === ROUTED_IN_SCOPE)
    .map((r) => r.addedCpuMicrosMedian ?? Number.NaN);
  const mostly = median(cpu) < median(hedged) / 2;
  return (
    ` With hedged reads off (\`READ_REPLICA_HEDGE_MS=0\`) it runs at ${fixed(worst, 3)}× at its worst and adds ` +
    `${fixed(Math.min(...cpu), 0)}–${fixed(Math.max(...cpu), 0)} µs` +
    (mostly ? ': hedging is most of the routed pool’s cost per statement.' : '.')
  );
}

/**
 * The A/A control, when it ran: the ratios the method reads for the floor against itself, the yardstick of every
 * other peer's (a ratio as far from 1 as the control's tells nothing on its own).
 */
function controlLine(results: PeersResults): string[] {
  const rows = controlRows(results);
  if (rows.length === 0) return [];
  const medians = rows.map((r) => r.ratioMedian);
  const all = rows.flatMap((r) => r.ratios);
  return [
    `The A/A control (the floor's own code on its own pool, run as a peer) reads ` +
      `${fixed(median(medians), 3)}× (median over the cases; per case ${fixed(Math.min(...medians), 3)}–` +
      `${fixed(Math.max(...medians), 3)}, single rounds ${fixed(Math.min(...all), 2)}–${fixed(Math.max(...all), 2)}): ` +
      `what the method reads where there is no difference at all, the yardstick of every other ratio here.`,
  ];
}
