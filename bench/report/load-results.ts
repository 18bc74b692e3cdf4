/** Reads bench/results/ into the report's inputs, and writes the report and its charts. */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuiltReport, ReportInputs } from './build-report.ts';
import type { EndpointsResults, ScaleSize } from './scale-section.ts';
import { SCALE_SIZES } from './scale-section.ts';

function readJson<T>(dir: string, file: string): T | undefined {
  const path = join(dir, file);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
}

export function loadResults(resultsDir: string): ReportInputs {
  const endpoints: Partial<Record<ScaleSize, EndpointsResults>> = {};
  for (const file of readdirSync(resultsDir).filter((f) => /^endpoints(-[a-z]+)?\.json$/.test(f))) {
    const r = readJson<EndpointsResults>(resultsDir, file);
    const size = SCALE_SIZES.find((s) => s === r?.size);
    // two runs of one size (the full medium run and a latency-only one): the newer
    if (r && size && (endpoints[size]?.date ?? '') <= (r.date ?? '')) endpoints[size] = r;
  }
  return {
    peers: readJson(resultsDir, 'peers.json'),
    offload: readJson(resultsDir, 'offload.json'),
    faultMatrix: readJson(resultsDir, 'fault-matrix.json'),
    serviceStart: readJson(resultsDir, 'service-start.json'),
    clusterStart: readJson(resultsDir, 'cluster-start.json'),
    endpoints,
  };
}

/** Writes `report` as docs/benchmarks.md and its charts under docs/benchmarks/ (stale charts removed). */
export function writeReport(docsDir: string, report: BuiltReport): void {
  const chartDir = join(docsDir, 'benchmarks');
  rmSync(chartDir, { recursive: true, force: true });
  mkdirSync(chartDir, { recursive: true });
  for (const c of report.charts) writeFileSync(join(chartDir, c.file), c.svg);
  writeFileSync(join(docsDir, 'benchmarks.md'), report.markdown);
}
