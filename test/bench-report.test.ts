/**
 * The benchmark report builder (bench/report): results in, markdown and SVG charts out, without a database
 * or a browser. Built from small fixture results; the charts must carry the data they were given (every
 * bar and point has an ARIA label with its numbers), and a missing results file must name its command.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildReport } from '../bench/report/build-report.ts';
import { loadResults, writeReport } from '../bench/report/load-results.ts';
import { range } from '../bench/report/markdown.ts';
import { fixtureInputs } from './fixtures/bench-results.ts';

const report = await buildReport(fixtureInputs);
const svg = (file: string): string => {
  const chart = report.charts.find((c) => c.file === file);
  assert.ok(chart, `chart ${file} among ${report.charts.map((c) => c.file).join(', ')}`);
  return chart.svg;
};

describe('the benchmark report from results', () => {
  it('embeds every chart it renders, each an SVG document', () => {
    const files = report.charts.map((c) => c.file).sort();
    assert.deepEqual(files, [
      'faults-stopped.svg',
      'offload-cpu.svg',
      'offload-statements.svg',
      'peers-latency.svg',
      'peers-one-client.svg',
      'peers-phased.svg',
      'peers-throughput.svg',
      'scale.svg',
      'startup.svg',
    ]);
    for (const c of report.charts) {
      assert.ok(report.markdown.includes(`](benchmarks/${c.file})`), `${c.file} embedded`);
      assert.match(c.svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    }
  });

  it('gives the three answers with their numbers, and the load the runs had', () => {
    assert.match(report.markdown, /routed pool keeps 0\.985× the throughput/);
    assert.match(report.markdown, /pgpool-II 0\.51–0\.51×/);
    assert.match(report.markdown, /primary spends 3\.2 % of the CPU on reads/);
    assert.match(report.markdown, /ingestion 499 vs 501 datums\/s/);
    assert.match(
      report.markdown,
      /0 failed requests over 1 replica faults; the worst 250 ms p99 was 43 ms \(stopped\)/,
    );
    assert.match(report.markdown, /load average 7\.25 \/ 6\.50 \/ 5\.00/);
  });

  it('the peers charts carry every peer’s ratio and added latency', () => {
    const throughput = svg('peers-throughput.svg');
    for (const row of fixtureInputs.peers?.rows ?? []) {
      const workload =
        row.workload === 'point' ? 'point query by primary key' : 'platforms endpoint statement';
      const label = `${row.peer}, ${workload}, concurrency ${row.concurrency}: ${row.ratioMedian.toFixed(2)}× the floor`;
      assert.ok(throughput.includes(`aria-label="${label}"`), label);
    }
    const latency = svg('peers-latency.svg');
    assert.ok(
      latency.includes('aria-label="pgpool-II, point query by primary key, concurrency 64: p99 +198 µs"'),
    );
    assert.ok(!latency.includes('pg.Pool on the replica (floor), '), 'the floor adds nothing to itself');
  });

  it('tells the routed pool’s ratio with the interval of its median, and how many cases meet the target', async () => {
    // The fixture's rounds: 0.935 … 1.025 around 0.985; the 2nd smallest and 2nd largest of 8 cover the median 93 %.
    assert.match(report.markdown, /target ≥ 0\.97: met; the median's 93 % interval 0\.955–1\.005\)/);
    assert.match(report.markdown, /target met in all 6 cases/);
    assert.match(
      report.markdown,
      /\| RoutedPool in scope \| replica \| 985 \| 0\.985 \| 93 % interval 0\.955–1\.005 \|/,
    );
    // The same rounds 0.02 lower: the median misses 0.97 everywhere, the interval still reaches it.
    const peers = fixtureInputs.peers;
    assert.ok(peers);
    const lower = await buildReport({
      ...fixtureInputs,
      peers: {
        ...peers,
        rows: peers.rows.map((r) =>
          r.peer === 'RoutedPool in scope'
            ? { ...r, ratioMedian: r.ratioMedian - 0.02, ratios: r.ratios.map((x) => x - 0.02) }
            : r,
        ),
      },
    });
    assert.match(
      lower.markdown,
      /target ≥ 0\.97: \*\*not met\*\*; the median's 93 % interval 0\.935–0\.985\)/,
    );
    assert.match(
      lower.markdown,
      /target met in 0 of 6 cases, and inside the median's interval in the 6 others/,
    );
  });

  it('tells the ratios at 16 and 64 clients in phases with the floor, and charts them', async () => {
    assert.match(
      report.markdown,
      /\*\*16 and 64 clients, in phases with the floor\*\* \(.*about 256 point queries or 64 platforms statements per phase, .*at least 150 pairs of phases per case; .*\): RoutedPool in scope runs at 0\.965× \(0\.955–0\.975, \+3\.5 µs\) at 16 and 0\.961× \(0\.951–0\.971, \+3\.9 µs\) at 64 clients on the point query, and 0\.965× .* at 64 clients on the platforms statement \(target ≥ 0\.97: \*\*not met\*\*\); the scope alone 0\.988× .*; the A\/A control 0\.995× /,
    );
    assert.match(
      report.markdown,
      /\*\*Cost\*\*: .*; at 16 and 64 clients, in phases of tens of milliseconds with the floor, 0\.965× on the point query at 16 \(0\.955–0\.975\), 0\.961× on the point query at 64 \(0\.951–0\.971\), 0\.965× on the endpoint statement at 16 \(0\.955–0\.975\), 0\.961× on the endpoint statement at 64 \(0\.951–0\.971\); pgpool-II/,
    );
    assert.match(
      report.markdown,
      /\| 64 \| endpoint \| RoutedPool in scope \| 150 \| 0\.961 \| 0\.951–0\.971 \| 3\.9 \| 0 \|/,
    );
    assert.match(
      report.markdown,
      /in phases: all numbers \(8 s per peer, workload and concurrency; at least 4 statements/,
    );
    const chart = svg('peers-phased.svg');
    assert.ok(
      chart.includes(
        'aria-label="RoutedPool in scope, the point query, 64 clients, in phases with the floor: 0.961× the floor (95 % interval 0.951–0.971)"',
      ),
    );
    // Results saved before the phases ran: no line, no chart.
    const peers = fixtureInputs.peers;
    assert.ok(peers);
    const { phased: _, ...older } = peers;
    const before = await buildReport({ ...fixtureInputs, peers: older });
    assert.doesNotMatch(before.markdown, /in phases/);
    assert.ok(!before.charts.some((c) => c.file === 'peers-phased.svg'));
  });

  it('writes a range that spans zero with signs, not a dash after a minus', () => {
    assert.equal(range([46.2, 17.4, 30]), '17–46');
    assert.equal(range([45.9, -0.7, 12]), '−1 to +46');
    assert.equal(range([-3.2, -1.4]), '−3 to −1');
  });

  it('tells the one-client interleaved ratios with their intervals, and charts them', async () => {
    assert.match(
      report.markdown,
      /\*\*One client, statement by statement\*\* \(.*at least 3000 cycles per workload; median of 40 batches' ratios of means without the fastest and slowest 5 %, /,
    );
    assert.match(
      report.markdown,
      /RoutedPool in scope runs at 0\.955× \(0\.945–0\.965, \+4\.5 µs\) on the point query and 0\.955× \(0\.945–0\.965, \+4\.5 µs\) on the platforms statement \(target ≥ 0\.97: \*\*not met\*\*\)/,
    );
    assert.match(
      report.markdown,
      /\*\*Cost\*\*: .*; at one client, statement by statement, 0\.975× on the point query \(95 % interval 0\.965–0\.985\) and 0\.975× on the endpoint statement \(95 % interval 0\.965–0\.985\) next to the floor alone, and 0\.955× on the point query \(95 % interval 0\.945–0\.965\) and 0\.955× on the endpoint statement \(95 % interval 0\.945–0\.965\) between all the other peers \(its code evicted before each statement\);/,
    );
    assert.match(report.markdown, /the scope alone \(the floor’s pool inside `runInReplicaScope`\) 0\.988×/);
    assert.match(report.markdown, /the A\/A control 0\.995× \(0\.985–1\.005, \+0\.5 µs\)/);
    assert.match(
      report.markdown,
      /\| all peers \| point \| pg\.Pool on the replica inside runInReplicaScope \| 9000 \| 304 \| 0\.988 \| 0\.978–0\.998 \| 1\.2 \| 0 \|/,
    );
    // Each peer with the floor alone: its own verdict, its rows in the table, its points in the chart.
    assert.match(
      report.markdown,
      /\*\*Each peer with the floor alone\*\* \(the rounds' pairing, statement by statement: 15 s per peer and workload, .*\): RoutedPool in scope runs at 0\.975× \(0\.965–0\.985, \+2\.5 µs\) on the point query and 0\.975× \(0\.965–0\.985, \+2\.5 µs\) on the platforms statement \(target ≥ 0\.97: met\)/,
    );
    assert.match(
      report.markdown,
      /\| the floor alone \| endpoint \| RoutedPool in scope \| 3000 \| 308 \| 0\.975 \| 0\.965–0\.985 \| 2\.5 \| 0 \|/,
    );
    assert.match(report.markdown, /with the floor alone 15 s per peer and workload\)<\/summary>/);
    const chart = svg('peers-one-client.svg');
    assert.ok(
      chart.includes(
        'aria-label="RoutedPool in scope, the point query, one client, interleaved with all peers: 0.955× the floor (95 % interval 0.945–0.965)"',
      ),
    );
    assert.ok(
      chart.includes(
        'aria-label="RoutedPool in scope, the platforms statement, one client, interleaved with the floor alone: 0.975× the floor (95 % interval 0.965–0.985)"',
      ),
    );
    assert.ok(!chart.includes('pg.Pool on the replica (floor), '), 'the floor is not charted against itself');
    // Results saved before the interleaving ran: no line, no chart.
    const peers = fixtureInputs.peers;
    assert.ok(peers);
    const { interleaved: _, ...older } = peers;
    const before = await buildReport({ ...fixtureInputs, peers: older });
    assert.doesNotMatch(before.markdown, /One client, statement by statement/);
    assert.doesNotMatch(before.markdown, /at one client, statement by statement/);
    assert.ok(!before.charts.some((c) => c.file === 'peers-one-client.svg'));
    // Saved before the pairs ran: the interleaving of all peers alone.
    const { pairs: __, ...allOnly } = peers.interleaved ?? { rows: [] };
    const unpaired = await buildReport({
      ...fixtureInputs,
      peers: { ...peers, interleaved: { ms: 60_000, batches: 40, ...allOnly } },
    });
    assert.doesNotMatch(unpaired.markdown, /Each peer with the floor alone/);
    assert.match(
      unpaired.markdown,
      /at one client, statement by statement, 0\.955× on the point query \(95 % interval 0\.945–0\.965\) and 0\.955× on the endpoint statement \(95 % interval 0\.945–0\.965\); at 16 and 64 clients/,
    );
    const unpairedChart = unpaired.charts.find((c) => c.file === 'peers-one-client.svg')?.svg ?? '';
    assert.match(unpairedChart, /interleaved with all peers/);
    assert.doesNotMatch(unpairedChart, /interleaved with the floor alone/);
  });

  it('names the peers that read through the floor’s own pool, and only when the results say so', async () => {
    assert.match(
      report.markdown,
      /RoutedPool in scope, Drizzle withReplicas read through the floor's own pool \(the routed pools take it as their replica, `replicas: \[pool\]`\)/,
    );
    const peers = fixtureInputs.peers;
    assert.ok(peers);
    const { onFloorPool: _, ...older } = peers;
    const before = await buildReport({ ...fixtureInputs, peers: older });
    assert.doesNotMatch(before.markdown, /floor's own pool/);
  });

  it("names the peers' order: balanced when the results say so, else the rotation of older results", async () => {
    assert.match(report.markdown, /the peers' order balanced over the rounds \(a Williams design/);
    assert.doesNotMatch(report.markdown, /order rotated every round/);
    const peers = fixtureInputs.peers;
    assert.ok(peers);
    const { order: _, ...older } = peers;
    const before = await buildReport({ ...fixtureInputs, peers: older });
    assert.match(before.markdown, /the peers' order rotated every round/);
    assert.doesNotMatch(before.markdown, /Williams/);
  });

  it("tells how long a peer's pool idles between its turns, from the results' runs and peers", async () => {
    const peers = fixtureInputs.peers;
    assert.ok(peers);
    // 9 peers besides the floor, each a pair of runs, each run after its untimed one: 9 × 2 × (250 + 62) ms.
    const short = await buildReport({
      ...fixtureInputs,
      peers: { ...peers, idleTimeoutMillis: 0, runMs: 250, warmMs: 62 },
    });
    assert.match(short.markdown, /a peer waits about 6 s for its next turn/);
    const long = await buildReport({
      ...fixtureInputs,
      peers: { ...peers, idleTimeoutMillis: 0, runMs: 1000, warmMs: 250 },
    });
    assert.match(long.markdown, /a peer waits about 23 s for its next turn/);
  });

  it('tells what the A/A control reads, and only when it ran', async () => {
    // The control's two rounds are 0.965 and 1.015 in every case, its median (the fixture's) 0.995.
    assert.match(
      report.markdown,
      /The A\/A control \(the floor's own code on its own pool, run as a peer\) reads 0\.995× \(median over the cases; per case 0\.995–0\.995, single rounds 0\.96–1\.01\)/,
    );
    const peers = fixtureInputs.peers;
    assert.ok(peers);
    const { control: _, ...older } = peers;
    const before = await buildReport({ ...fixtureInputs, peers: older });
    assert.doesNotMatch(before.markdown, /The A\/A control/);
    // The answers put the target next to what the control reads.
    assert.match(
      report.markdown,
      /at its worst \(target ≥ 0\.97×; in the same run the floor measured against itself, an A\/A control, reads 0\.995–0\.995×\)/,
    );
    assert.doesNotMatch(before.markdown, /measured against itself/);
  });

  it('the offload charts carry CPU per request and statements per server, and ingestion', () => {
    // routing on, run 1: (2.1 − 0.2 × 10) CPU s over 1000 requests = 0.1 CPU ms per request on the primary
    assert.ok(
      svg('offload-cpu.svg').includes('aria-label="routing on, run 1, primary: 0.1 CPU ms per request"'),
    );
    assert.ok(
      svg('offload-cpu.svg').includes('aria-label="routing off, run 1, primary: 7 CPU ms per request"'),
    );
    const statements = svg('offload-statements.svg');
    assert.ok(statements.includes('aria-label="routing on, run 1, replica: 3 read statements per request"'));
    assert.ok(statements.includes('aria-label="routing off, run 2: 501 datums/s ingested"'));
  });

  it('the fault chart shows the fault’s steps and the servers that served', () => {
    const faults = svg('faults-stopped.svg');
    for (const text of ['replica stopped', 'replica started', 'replica_1', 'primary', 'p99']) {
      assert.ok(faults.includes(text), text);
    }
  });

  it('start-up and scale charts carry their numbers', () => {
    assert.ok(
      svg('startup.svg').includes(
        'aria-label="npm start, empty folder (initdb, migrate, seed small): 6.2 s"',
      ),
    );
    assert.ok(svg('scale.svg').includes('platforms, medium: p50 2 ms, p99 6 ms'));
    assert.match(report.markdown, /The large data set was not measured/);
    assert.match(report.markdown, /Five slowest statements, medium/);
  });

  it('a missing results file names the command that produces it', async () => {
    const empty = await buildReport({});
    assert.match(
      empty.markdown,
      /`bench\/results\/peers\.json` is missing\. Produce it with `npm run bench -- --only peers`/,
    );
    assert.match(
      empty.markdown,
      /fault-matrix\.json` is missing\. Produce it with `node [^`]*bench\/fault-matrix\.ts`/,
    );
    assert.equal(empty.charts.length, 0);
  });

  it('loads results by file and size (the newer of two runs of a size), and writes the page with its charts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    try {
      writeFileSync(join(dir, 'endpoints.json'), JSON.stringify(fixtureInputs.endpoints?.medium));
      writeFileSync(join(dir, 'endpoints-small.json'), JSON.stringify(fixtureInputs.endpoints?.small));
      writeFileSync(join(dir, 'peers.json'), JSON.stringify(fixtureInputs.peers));
      const older = { ...fixtureInputs.endpoints?.medium, date: '2026-12-01T00:00:00.000Z', datums: 1 };
      writeFileSync(join(dir, 'endpoints-medium.json'), JSON.stringify(older));
      const inputs = loadResults(dir);
      assert.equal(inputs.endpoints?.medium?.datums, 1_212_480, 'the newer of two medium runs');
      assert.equal(inputs.endpoints?.small?.datums, 50_000);
      assert.equal(inputs.peers?.rows.length, 60);
      assert.equal(inputs.offload, undefined);
      writeReport(dir, report);
      assert.equal(readFileSync(join(dir, 'benchmarks.md'), 'utf8'), report.markdown);
      assert.equal(readFileSync(join(dir, 'benchmarks', 'scale.svg'), 'utf8'), svg('scale.svg'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
