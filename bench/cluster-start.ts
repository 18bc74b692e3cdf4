/**
 * Dev-cluster benchmark: how long a primary + 1 streaming replica takes to start (ephemeral, persistent first
 * start, persistent second start) and to stop, and how much memory the running cluster holds.
 *
 * Usage: node --conditions=@perfherder/source --import tsx bench/cluster-start.ts [repetitions, default 5]
 *
 * Memory is summed over every postgres process of the cluster (each postmaster and its children, found through
 * the ppid field of /proc/<pid>/stat). PSS (from /proc/<pid>/smaps_rollup) is the honest figure: postgres
 * processes share shared_buffers and the mapped binaries, which RSS counts once per process.
 *
 * Prints a table and writes bench/results/cluster-start.json. Not part of npm test.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveOsAccount } from '../packages/pg-devcluster/src/cluster/os-account.ts';
import { type Cluster, resolvePostgresBinaries, startCluster } from '../packages/pg-devcluster/src/index.ts';
import { writeResult } from './support/bench-env.ts';
import { roundTo } from './support/stats.ts';

const repetitions = Number(process.argv[2] ?? 5);
if (!Number.isInteger(repetitions) || repetitions < 1) throw new Error('repetitions: a positive integer');
const workloadRows = 200_000;

interface Memory {
  processes: number;
  pssKiB: number;
  rssKiB: number;
  pssAnonKiB: number;
  pssShmemKiB: number;
  pssFileKiB: number;
  byNode: Record<string, { processes: number; pssKiB: number }>;
}

/** smaps_rollup fields in kB; VmRSS from status when smaps_rollup is unavailable (kernel < 4.14). */
function processMemory(pid: number): Record<string, number> | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Object.fromEntries([...text.matchAll(/^(\w+):\s+(\d+) kB$/gm)].map((m) => [m[1], Number(m[2])]));
  } catch {
    try {
      const rss = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      return Number.isFinite(rss) ? { Rss: rss, Pss: rss } : undefined;
    } catch {
      return undefined; // exited meanwhile
    }
  }
}

function childrenByParent(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: fields after the last ')' are state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const siblings = map.get(ppid) ?? [];
      siblings.push(Number(entry));
      map.set(ppid, siblings);
    } catch {
      // exited meanwhile
    }
  }
  return map;
}

function clusterMemory(cluster: Cluster): Memory {
  const children = childrenByParent();
  const total: Memory = {
    processes: 0,
    pssKiB: 0,
    rssKiB: 0,
    pssAnonKiB: 0,
    pssShmemKiB: 0,
    pssFileKiB: 0,
    byNode: {},
  };
  for (const node of [cluster.primary, ...cluster.replicas]) {
    if (node.pid === undefined) throw new Error(`${node.name} is not running`);
    const pids = [node.pid];
    for (let i = 0; i < pids.length; i++) pids.push(...(children.get(pids[i] ?? -1) ?? []));
    const mine = { processes: 0, pssKiB: 0 };
    for (const pid of pids) {
      const m = processMemory(pid);
      if (m === undefined) continue;
      mine.processes++;
      mine.pssKiB += m.Pss ?? 0;
      total.rssKiB += m.Rss ?? 0;
      total.pssAnonKiB += m.Pss_Anon ?? 0;
      total.pssShmemKiB += m.Pss_Shmem ?? 0;
      total.pssFileKiB += m.Pss_File ?? 0;
    }
    total.byNode[node.name] = mine;
    total.processes += mine.processes;
    total.pssKiB += mine.pssKiB;
  }
  return total;
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await run();
  return [result, performance.now() - start];
}

function stats(samples: readonly number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
  return {
    median: round(median),
    min: round(sorted[0] ?? NaN),
    max: round(sorted.at(-1) ?? NaN),
    samples: samples.map(round),
  };
}

function round(n: number): number {
  return roundTo(n, 1);
}

/** A folder the server account can reach (as root the servers run unprivileged; mkdtemp makes 0700). */
function reachableTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

function removePersistent(dir: string): void {
  // As root an unreachable data dir is relocated; ours is reachable, but clean up wherever it went.
  try {
    const { storage } = JSON.parse(readFileSync(join(dir, 'cluster', 'cluster.json'), 'utf8')) as {
      storage: string;
    };
    rmSync(storage, { recursive: true, force: true });
  } catch {
    // no state file: nothing was relocated
  }
  rmSync(dir, { recursive: true, force: true });
}

const account = resolveOsAccount();
const ms = {
  ephemeralStart: [] as number[],
  persistentSecondStart: [] as number[],
  persistentFirstStart: [] as number[],
  ephemeralStop: [] as number[],
  persistentStop: [] as number[],
  binaryCopy: [] as number[],
  binaryResolve: [] as number[],
};
const memory = { ephemeral: [] as Memory[], persistent: [] as Memory[], afterWorkload: [] as Memory[] };

// (d) First run on a machine: the npm binary tree is copied to the temp folder and its symlinks hydrated.
// A fresh TMPDIR each time makes resolvePostgresBinaries redo it (os.tmpdir() reads TMPDIR on every call).
const savedTmp = process.env.TMPDIR;
for (let i = 0; i < repetitions; i++) {
  const scratch = reachableTempDir('pgdc-bench-bin-');
  process.env.TMPDIR = scratch;
  try {
    ms.binaryCopy.push((await timed(async () => resolvePostgresBinaries(account)))[1]);
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    rmSync(scratch, { recursive: true, force: true });
  }
}
for (let i = 0; i < repetitions; i++) {
  ms.binaryResolve.push((await timed(async () => resolvePostgresBinaries(account)))[1]);
}
const binaries = resolvePostgresBinaries(account);

// Warm-up, not counted: page cache, the binary copy in the real temp folder, tsx's compile cache.
await (await startCluster({ replicas: 1 })).stop();

for (let i = 0; i < repetitions; i++) {
  // (a) ephemeral: from nothing (initdb --no-sync, copy to the replica, stream) and (c) its stop.
  const [ephemeral, eStart] = await timed(() => startCluster({ replicas: 1 }));
  ms.ephemeralStart.push(eStart);
  memory.ephemeral.push(clusterMemory(ephemeral));
  ms.ephemeralStop.push((await timed(() => ephemeral.stop()))[1]);

  // (b) persistent: a first start creates the data dir; the second start reuses it. (c) stop after it.
  const dir = reachableTempDir('pgdc-bench-persist-');
  try {
    const dataDir = join(dir, 'cluster');
    const [first, pFirst] = await timed(() => startCluster({ replicas: 1, dataDir }));
    ms.persistentFirstStart.push(pFirst);
    await first.stop();
    const [second, pSecond] = await timed(() => startCluster({ replicas: 1, dataDir }));
    ms.persistentSecondStart.push(pSecond);
    memory.persistent.push(clusterMemory(second));
    ms.persistentStop.push((await timed(() => second.stop()))[1]);
  } finally {
    removePersistent(dir);
  }

  // Memory once the servers have done some work: a table written on the primary, read on both nodes.
  const busy = await startCluster({ replicas: 1 });
  try {
    await busy.primary.query(
      `CREATE TABLE bench AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, ${workloadRows}) g`,
    );
    await busy.waitForReplicas();
    for (const node of [busy.primary, ...busy.replicas]) await node.query('SELECT count(*) FROM bench');
    memory.afterWorkload.push(clusterMemory(busy));
  } finally {
    await busy.stop();
  }
  process.stdout.write(`repetition ${i + 1}/${repetitions} done\n`);
}

const timings = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, stats(v)]));
const mib = (kib: number) => kib / 1024;
const memoryStats = Object.fromEntries(
  Object.entries(memory).map(([k, runs]) => [
    k,
    {
      processes: stats(runs.map((m) => m.processes)),
      pssMiB: stats(runs.map((m) => mib(m.pssKiB))),
      rssMiB: stats(runs.map((m) => mib(m.rssKiB))),
      pssAnonMiB: stats(runs.map((m) => mib(m.pssAnonKiB))),
      pssShmemMiB: stats(runs.map((m) => mib(m.pssShmemKiB))),
      pssFileMiB: stats(runs.map((m) => mib(m.pssFileKiB))),
      pssByNodeMiB: Object.fromEntries(
        Object.keys(runs[0]?.byNode ?? {}).map((n) => [
          n,
          stats(runs.map((m) => mib(m.byNode[n]?.pssKiB ?? 0))),
        ]),
      ),
    },
  ]),
);

const timingLabels: Record<keyof typeof ms, string> = {
  ephemeralStart: '(a) start, ephemeral (from nothing)',
  persistentSecondStart: '(b) start, persistent, second start (data reused)',
  persistentFirstStart: '    start, persistent, first start (initdb, fsync on)',
  ephemeralStop: '(c) stop, ephemeral (incl. removing the temp folder)',
  persistentStop: '(c) stop, persistent (fast shutdown)',
  binaryCopy: '    first run on a machine: copy + hydrate binaries',
  binaryResolve: '    resolve binaries, copy present (postgres --version)',
};
const rows = Object.entries(timingLabels).map(([key, measure]) => ({
  measure,
  unit: 'ms',
  ...pick(timings[key]),
}));
for (const [mode, label] of [
  ['ephemeral', 'idle after start, ephemeral'],
  ['persistent', 'idle after start, persistent'],
  ['afterWorkload', `after writing + reading ${workloadRows / 1000}k rows`],
] as const) {
  const m = memoryStats[mode];
  if (!m) continue;
  rows.push({ measure: `memory PSS, ${label}`, unit: 'MiB', ...pick(m.pssMiB) });
  rows.push({ measure: `memory RSS, ${label}`, unit: 'MiB', ...pick(m.rssMiB) });
}
rows.push({
  measure: 'postgres processes (primary + replica)',
  unit: '',
  ...pick(memoryStats.ephemeral?.processes),
});

console.log(
  `pg-devcluster: primary + 1 replica, ${repetitions} repetitions, ${binaries.version}, node ${process.version}, ` +
    `${cpus().length} cores, ${account ? `servers run as ${account.name}` : 'servers run as the current user'}`,
);
console.table(rows);

writeResult('cluster-start.json', {
  benchmark: 'cluster-start',
  date: new Date().toISOString(),
  node: process.version,
  postgres: binaries.version,
  binariesSource: binaries.source,
  cpu: cpus()[0]?.model ?? 'unknown',
  cpuCount: cpus().length,
  loadAverage: loadavg(),
  serverAccount: account?.name ?? null,
  replicas: 1,
  repetitions,
  workloadRows,
  timingsMs: timings,
  memory: memoryStats,
});
console.log(`wrote ${join('bench', 'results', 'cluster-start.json')}`);

function pick(s: { median: number; min: number; max: number } | undefined) {
  return { median: s?.median ?? NaN, min: s?.min ?? NaN, max: s?.max ?? NaN };
}
