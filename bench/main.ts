/**
 * The benchmark report: runs the benchmarks (each its own script, which saves its results under
 * bench/results/), then builds docs/benchmarks.md and its charts (docs/benchmarks/*.svg) from the results.
 *
 * Usage: npm run bench -- --report            every benchmark, then the report
 *        npm run bench -- --from-results      the report from the saved results only
 *        npm run bench -- --only <section>    one section's benchmarks (peers, offload, faults, startup, scale), then the report
 *        add --quick for short runs (smoke test: small data sets, few rounds; their results replace the saved
 *        ones); --size large adds the large data set to the scale section (seeding it takes many minutes).
 * A benchmark that fails is reported and the report is still built (its section says which command to run).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildReport } from './report/build-report.ts';
import { loadResults, writeReport } from './report/load-results.ts';
import { resultsDir } from './support/bench-env.ts';

const SECTIONS = ['peers', 'offload', 'faults', 'startup', 'scale'] as const;
type SectionName = (typeof SECTIONS)[number];

const { values: args } = parseArgs({
  options: {
    report: { type: 'boolean', default: false },
    'from-results': { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    size: { type: 'string', multiple: true },
  },
});
const only = (args.only ?? []).flatMap((o) => o.split(','));
for (const o of only) {
  if (!SECTIONS.includes(o as SectionName))
    throw new Error(`--only: one of ${SECTIONS.join(', ')} (got ${o})`);
}
if (!args.report && !args['from-results'] && only.length === 0) {
  throw new Error('say what to do: --report, --from-results or --only <section> (see bench/main.ts)');
}
const root = join(import.meta.dirname, '..');
const log = (line: string) => process.stderr.write(`${line}\n`);
const quick = args.quick ? ['--quick'] : [];

/** The benchmark runs of each section: script and arguments. */
function runsOf(section: SectionName): { script: string; args: string[] }[] {
  switch (section) {
    case 'peers':
      return [{ script: 'peers.ts', args: quick }];
    case 'offload':
      return [{ script: 'offload.ts', args: quick }];
    case 'faults':
      return [
        { script: 'fault-matrix.ts', args: [] }, // about two minutes; it has no short mode
      ];
    case 'startup':
      return [
        { script: 'service-start.ts', args: [args.quick ? '1' : '3'] },
        { script: 'cluster-start.ts', args: [args.quick ? '2' : '5'] },
      ];
    case 'scale': {
      const sizes = args.quick ? ['tiny', 'small'] : ['small', 'medium', ...(args.size ?? [])];
      return [...new Set(sizes)].map((size) => ({
        script: 'endpoints.ts',
        args: [
          '--size',
          size,
          ...(size === 'medium' ? [] : ['--no-write-pass']),
          ...(args.quick ? ['--seconds', '1'] : []),
        ],
      }));
    }
  }
}

const failures: string[] = [];
const sections: readonly SectionName[] = args.report ? SECTIONS : (only as SectionName[]);
if (!args['from-results'] || only.length > 0) {
  for (const section of sections) {
    for (const run of runsOf(section)) {
      const script = join(import.meta.dirname, run.script);
      if (!existsSync(script)) {
        log(`[${section}] skipped: bench/${run.script} is missing`);
        failures.push(`${section}: ${run.script} missing`);
        continue;
      }
      log(`[${section}] node bench/${run.script} ${run.args.join(' ')}`);
      const started = performance.now();
      const child = spawnSync(
        process.execPath,
        ['--conditions=@perfherder/source', '--import', 'tsx', script, ...run.args],
        { cwd: root, stdio: 'inherit' },
      );
      const seconds = ((performance.now() - started) / 1000).toFixed(0);
      if (child.status !== 0) {
        log(
          `[${section}] bench/${run.script} failed (exit ${child.status ?? child.signal}) after ${seconds} s`,
        );
        failures.push(`${section}: bench/${run.script} ${run.args.join(' ')}`);
      } else log(`[${section}] done in ${seconds} s`);
    }
  }
}

const report = await buildReport(loadResults(resultsDir()));
writeReport(join(root, 'docs'), report);
// The project's formatter lays out the page's tables as it wants them (lint checks docs/ too).
spawnSync(
  process.execPath,
  [
    join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome'),
    'format',
    '--write',
    join(root, 'docs', 'benchmarks.md'),
  ],
  { cwd: root, stdio: 'ignore' },
);
log(`wrote docs/benchmarks.md and ${report.charts.length} charts under docs/benchmarks/`);
if (failures.length > 0) {
  log(`failed or skipped: ${failures.join('; ')}`);
  process.exitCode = 1;
}
