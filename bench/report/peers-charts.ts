/** The peers section's two charts of the rounds: throughput ratios and added latency, per peer and case. */
import { type Chart, percentileColor } from './charts.ts';
import { fixed } from './markdown.ts';
import { type PeersResults, WORKLOAD_TITLE } from './peers-results.ts';

/** Both peers charts: a row per workload, a column per concurrency. */
const PEER_FACET = {
  row: {
    field: 'workload',
    type: 'nominal' as const,
    title: null,
    header: {
      labelAngle: 0,
      labelOrient: 'top' as const,
      labelAnchor: 'start' as const,
      labelFontWeight: 'bold' as const,
    },
  },
  column: {
    field: 'concurrency',
    type: 'nominal' as const,
    title: null,
    sort: ['concurrency 1', 'concurrency 16', 'concurrency 64'],
  },
};

function peerOrder(results: PeersResults): string[] {
  return [...new Set(results.rows.map((r) => r.peer))];
}

/** The peer axis of both peers charts: one band per peer, in the results' order. */
function peerAxis(results: PeersResults) {
  return {
    field: 'peer',
    type: 'nominal' as const,
    sort: peerOrder(results),
    title: null,
    // Room for the longest name as the headless renderer estimates text (0.8 × font size per character).
    axis: { labelLimit: 440 },
  };
}

export function throughputChart(results: PeersResults): Chart {
  const values = results.rows.map((r) => ({
    workload: WORKLOAD_TITLE[r.workload],
    concurrency: `concurrency ${r.concurrency}`,
    peer: r.peer,
    ratio: r.ratioMedian,
    server: r.peer === results.floor || r.peer === results.control ? 'floor (replica)' : r.server,
    label: `${r.peer}, ${WORKLOAD_TITLE[r.workload]}, concurrency ${r.concurrency}: ${fixed(r.ratioMedian, 2)}× the floor`,
  }));
  return {
    file: 'peers-throughput.svg',
    title: 'Throughput as a share of the floor (raw pg.Pool on the replica), per peer',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: 'Throughput ÷ floor (raw pg.Pool on the replica): longer is better',
        subtitle: `dashed line: the routed pool's target, ${results.targetRatio}×`,
      },
      data: { values },
      facet: PEER_FACET,
      spec: {
        width: 220,
        height: { step: 16 },
        layer: [
          {
            mark: 'bar',
            encoding: {
              y: peerAxis(results),
              x: { field: 'ratio', type: 'quantitative', title: 'ratio to floor', scale: { domainMin: 0 } },
              color: {
                field: 'server',
                type: 'nominal',
                title: 'runs on',
                scale: {
                  domain: ['floor (replica)', 'replica', 'primary'],
                  range: ['#4c78a8', '#72b7b2', '#e45756'],
                },
              },
              description: { field: 'label' },
            },
          },
          {
            mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 },
            encoding: {
              y: { field: 'peer', type: 'nominal', sort: peerOrder(results) },
              x: { field: 'ratio', type: 'quantitative' },
              text: { field: 'ratio', type: 'quantitative', format: '.2f' },
            },
          },
          {
            mark: { type: 'rule', strokeDash: [4, 3], color: '#333' },
            encoding: { x: { datum: results.targetRatio, type: 'quantitative' } },
          },
        ],
      },
    },
  };
}

export function latencyChart(results: PeersResults): Chart {
  const values = results.rows
    .filter((r) => r.peer !== results.floor)
    .flatMap((r) =>
      (['p50', 'p99'] as const).map((p) => ({
        workload: WORKLOAD_TITLE[r.workload],
        concurrency: `concurrency ${r.concurrency}`,
        peer: r.peer,
        percentile: p,
        addedMicros: p === 'p50' ? r.addedP50MicrosMedian : r.addedP99MicrosMedian,
        label: `${r.peer}, ${WORKLOAD_TITLE[r.workload]}, concurrency ${r.concurrency}: ${p} +${p === 'p50' ? r.addedP50MicrosMedian : r.addedP99MicrosMedian} µs`,
      })),
    );
  return {
    file: 'peers-latency.svg',
    title: 'Latency each peer adds over the floor, per query (µs, p50 and p99)',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: 'Added latency per query over the floor (µs): shorter is better',
        subtitle: 'p50 and p99 of each run minus the floor’s in the same round, median over rounds',
      },
      data: { values },
      facet: PEER_FACET,
      spec: {
        width: 220,
        height: { step: 10 },
        mark: 'bar',
        encoding: {
          y: peerAxis(results),
          yOffset: { field: 'percentile', type: 'nominal' },
          x: { field: 'addedMicros', type: 'quantitative', title: 'µs added' },
          color: percentileColor('percentile'),
          description: { field: 'label' },
        },
      },
      resolve: { scale: { x: 'independent' } },
    },
  };
}
