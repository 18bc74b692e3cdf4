/**
 * Service start-up benchmark: how long `npm start` takes to answer, from spawning the process to the first
 * 200 on /healthz and on an API URL, for the first start on an empty folder (initdb, migrate, seed the small
 * data set) and for the two starts after it on the same persistent folder (each after a Ctrl-C).
 *
 * Usage: node --import tsx bench/service-start.ts [repetitions, default 3] [label, default "current"]
 *
 * It runs apps/perfherder/src/main.ts (what `npm start` runs) with DEV_CLUSTER_DATA_DIR in a fresh temp folder per
 * repetition, made 0755 so that as root the cluster stays there rather than being relocated. Prints a table and merges its numbers under `label` into
 * bench/results/service-start.json (so runs of two commits sit side by side). Not part of npm test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../packages/pg-devcluster/src/cluster/free-port.ts';
import { benchEnvironment, resultsDir, writeResult } from './support/bench-env.ts';

const repetitions = Number(process.argv[2] ?? 3);
if (!Number.isInteger(repetitions) || repetitions < 1) throw new Error('repetitions: a positive integer');
const label = process.argv[3] ?? 'current';
const API = '/api/project/mozilla-central/performance/platforms/?interval=86400';
const STARTS = ['first (seeds)', 'second', 'third'] as const;

let child: ChildProcess | undefined;
process.once('SIGINT', () => {
  child?.kill('SIGINT');
  process.exit(130);
});

/** Milliseconds from spawn until `path` answers 200 (polled every 25 ms). */
async function firstOk(base: string, path: string, started: number, exited: () => boolean): Promise<number> {
  for (;;) {
    if (exited()) throw new Error('the service exited before answering');
    try {
      const response = await fetch(`${base}${path}`);
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - started;
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
}

async function oneStart(dataDir: string): Promise<{ healthz: number; api: number }> {
  const port = await freePort();
  const started = performance.now();
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, '..', 'apps', 'perfherder', 'src', 'main.ts')],
    {
      env: { ...process.env, PORT: String(port), LOGGING_LEVEL: 'ERROR', DEV_CLUSTER_DATA_DIR: dataDir },
      stdio: 'ignore',
    },
  );
  child = proc;
  let gone = false;
  const exit = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      gone = true;
      resolve();
    }),
  );
  try {
    const base = `http://127.0.0.1:${port}`;
    const [healthz, api] = await Promise.all([
      firstOk(base, '/healthz', started, () => gone),
      firstOk(base, API, started, () => gone),
    ]);
    return { healthz, api };
  } finally {
    proc.kill('SIGINT');
    await exit;
  }
}

const samples: Record<string, { healthz: number[]; api: number[] }> = Object.fromEntries(
  STARTS.map((s) => [s, { healthz: [], api: [] }]),
);
for (let rep = 0; rep < repetitions; rep++) {
  const root = mkdtempSync(join(tmpdir(), 'bench-service-start-'));
  chmodSync(root, 0o755);
  try {
    for (const start of STARTS) {
      const t = await oneStart(join(root, 'cluster'));
      samples[start]?.healthz.push(t.healthz);
      samples[start]?.api.push(t.api);
      process.stdout.write(
        `rep ${rep + 1} ${start}: healthz ${t.healthz.toFixed(0)} ms, API ${t.api.toFixed(0)} ms\n`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const stats = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x);
  return {
    median: round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    min: round(sorted[0] ?? 0),
    max: round(sorted.at(-1) ?? 0),
    samples: xs.map(round),
  };
};
const timingsMs = Object.fromEntries(
  Object.entries(samples).map(([start, s]) => [start, { healthz: stats(s.healthz), api: stats(s.api) }]),
);
process.stdout.write(
  `\n${label}: time from spawn to the first 200, ms (median [min, max] of ${repetitions})\n`,
);
process.stdout.write('| start | /healthz | API |\n|---|---:|---:|\n');
for (const [start, t] of Object.entries(timingsMs)) {
  process.stdout.write(
    `| ${start} | ${t.healthz.median} [${t.healthz.min}, ${t.healthz.max}] | ${t.api.median} [${t.api.min}, ${t.api.max}] |\n`,
  );
}

const file = join(resultsDir(), 'service-start.json');
const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { runs: {} };
writeResult('service-start.json', {
  benchmark: 'service-start',
  api: API,
  runs: { ...previous.runs, [label]: { ...benchEnvironment({ roundLoad: true }), repetitions, timingsMs } },
});
