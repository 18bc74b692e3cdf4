/**
 * The tail of memo hits (issue 14): why a request whose p50 is 1 ms has a p99 of 8-16. Measures causes, not
 * only wall-clock percentiles, so that it says something on a loaded machine: per variant of the service's
 * Node flags (`--flags`, repeatable, e.g. `--flags '' --flags '--single-threaded-gc'`), one service process
 * (bench/support/serve-checkout.ts with bench/support/tail-probe.ts preloaded) answers `--requests`
 * sequential requests of one speed.ts endpoint (`--only`, a part of its name), the variants alternating in
 * blocks of `--block`. Reports per variant: the client's p50/p99/max (node:http, keep-alive, the body's bytes
 * not decoded), the time in the service (request start to response finish) p50/p99/max, scavenges per 1000
 * requests and their durations, mark-compacts, the service's event-loop delay, and how many slow requests
 * (over 3x the p50 and p50 + 2 ms) overlapped a GC of the service or of the client.
 *
 * Usage: node --conditions=@perfherder/source --import tsx bench/tail.ts --primary-url <url> --replica-url <url>
 *        [--only 'signatures, fw 13'] [--requests 2000] [--block 100] [--flags=<node flags>]... [--gzip]
 *        [--json <file>] [--heap-profile <file> (the first variant's sampled allocations, a .heapprofile)]
 * Prints a table. Not part of npm test; writes nothing unless --json or --heap-profile. What the services print
 * (e.g. with `--flags=--trace-gc`) goes to stderr.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { serveCheckout } from './support/serve-process.ts';
import { speedRequests } from './support/speed-requests.ts';
import { percentile } from './support/stats.ts';

const { values: args } = parseArgs({
  options: {
    'primary-url': { type: 'string' },
    'replica-url': { type: 'string' },
    only: { type: 'string', default: 'signatures, fw 13' },
    requests: { type: 'string', default: '2000' },
    block: { type: 'string', default: '100' },
    flags: { type: 'string', multiple: true },
    gzip: { type: 'boolean', default: false },
    json: { type: 'string' },
    'heap-profile': { type: 'string' },
  },
});
const primaryUrl = args['primary-url'];
const replicaUrl = args['replica-url'];
if (!primaryUrl || !replicaUrl) throw new Error('--primary-url and --replica-url are required');
const total = Number(args.requests);
const block = Number(args.block);
if (!(total > 0) || !(block > 0)) throw new Error('--requests and --block must be positive numbers');
const variants = args.flags?.length ? args.flags : [''];
const root = resolve(import.meta.dirname, '..');

interface GcRecord {
  readonly start: number;
  readonly ms: number;
  readonly kind: string;
}
interface Report {
  readonly gcs: GcRecord[];
  readonly handled: { start: number; ms: number }[];
  readonly eventLoopDelay: { p50: number; p99: number; max: number; count: number };
}
interface Service {
  readonly flags: string;
  readonly url: URL;
  readonly child: ChildProcess;
  readonly samples: { start: number; ms: number }[];
  readonly reports: Report[];
}

async function serve(flags: string): Promise<Service> {
  const { child, url } = await serveCheckout({
    checkout: root,
    primaryUrl: primaryUrl!,
    replicaUrl: replicaUrl!,
    nodeFlags: flags.split(/\s+/).filter(Boolean),
    preload: [join(import.meta.dirname, 'support', 'tail-probe.ts')],
    env: args['heap-profile'] ? { TAIL_PROFILE: resolve(args['heap-profile']) } : {},
    ipc: true,
  });
  // What the service prints after (e.g. --trace-gc) goes to this process's stderr.
  child.stdout?.pipe(process.stderr);
  return { flags, url: new URL(url), child, samples: [], reports: [] };
}

function ask<T>(child: ChildProcess, message: string): Promise<T> {
  return new Promise((done) => {
    child.once('message', (answer) => done(answer as T));
    child.send(message);
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
/** One request to the last byte; the chunks are counted, not decoded. Returns [epoch start, ms]. */
function hit(service: Service, path: string): Promise<{ start: number; ms: number }> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const req = http.get(
      {
        host: service.url.hostname,
        port: service.url.port,
        path,
        agent,
        headers: { 'accept-encoding': args.gzip ? 'gzip' : 'identity' },
      },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        res.on('end', () => {
          const ms = performance.now() - t0;
          if (res.statusCode !== 200 || bytes === 0)
            fail(new Error(`HTTP ${res.statusCode}, ${bytes} bytes`));
          else done({ start: performance.timeOrigin + t0, ms });
        });
      },
    );
    req.on('error', fail);
  });
}

const clientGcs: GcRecord[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as { detail?: { kind?: number } }).detail?.kind;
    clientGcs.push({
      start: performance.timeOrigin + e.startTime,
      ms: e.duration,
      kind: kind === constants.NODE_PERFORMANCE_GC_MINOR ? 'scavenge' : 'other',
    });
  }
}).observe({ entryTypes: ['gc'] });

const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
const pct = (s: readonly number[], p: number) => Math.round(percentile(s, p / 100) * 100) / 100;
const overlaps = (r: { start: number; ms: number }, gcs: readonly GcRecord[]) =>
  gcs.some((g) => g.start < r.start + r.ms && g.start + g.ms > r.start);

const services: Service[] = [];
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const s of services) s.child.kill('SIGTERM');
    process.exit(130);
  });
}
const client = new pg.Client({ connectionString: primaryUrl, application_name: 'bench-tail' });
try {
  await client.connect();
  const { requests } = await speedRequests(client);
  await client.end();
  const request = requests.find((r) => r.name.includes(args.only ?? ''));
  if (!request) throw new Error(`--only: no speed.ts request named like "${args.only}"`);
  for (const flags of variants) services.push(await serve(flags));
  for (const s of services) for (let i = 0; i < 50; i++) await hit(s, request.path);
  if (args['heap-profile']) {
    // One variant's sampled allocations over the whole run (sampling slows it: its timings are not the others').
    await ask((services[0] as Service).child, 'profile-start');
  }
  for (let done = 0; done < total; done += block) {
    for (const s of services) {
      await ask(s.child, 'reset');
      for (let i = 0; i < Math.min(block, total - done); i++) s.samples.push(await hit(s, request.path));
      s.reports.push(await ask<Report>(s.child, 'report'));
    }
  }
  if (args['heap-profile']) {
    process.env.TAIL_PROFILE = args['heap-profile'];
    await ask((services[0] as Service).child, 'profile-stop');
  }
  const rows = services.map((s) => {
    const client = sorted(s.samples.map((r) => r.ms));
    const gcs = s.reports.flatMap((r) => r.gcs);
    const scavenges = sorted(gcs.filter((g) => g.kind === 'scavenge').map((g) => g.ms));
    const handled = sorted(s.reports.flatMap((r) => r.handled.map((h) => h.ms)));
    const p50 = pct(client, 50);
    const slow = s.samples.filter((r) => r.ms > 3 * p50 && r.ms > p50 + 2);
    const serverGc = slow.filter((r) => overlaps(r, gcs)).length;
    const clientGc = slow.filter((r) => overlaps(r, clientGcs)).length;
    const loopDelay = s.reports.map((r) => r.eventLoopDelay);
    return {
      flags: s.flags || '(default)',
      'p50 ms': p50,
      'p99 ms': pct(client, 99),
      'max ms': pct(client, 100),
      'in service p50': pct(handled, 50),
      'in service p99': pct(handled, 99),
      'scavenges /1000': Math.round((scavenges.length / s.samples.length) * 1000),
      'scavenge p50 ms': pct(scavenges, 50),
      'scavenge max ms': pct(scavenges, 100),
      'mark-compacts': gcs.filter((g) => g.kind === 'mark-compact').length,
      'loop delay p99 ms': Math.max(...loopDelay.map((d) => d.p99)),
      'loop delay max ms': Math.max(...loopDelay.map((d) => d.max)),
      slow: slow.length,
      'slow at service GC': serverGc,
      'slow at client GC': clientGc,
    };
  });
  const load = (await import('node:os')).loadavg().map((l) => l.toFixed(2));
  console.log(`${request.name}, ${total} requests per variant in blocks of ${block}, load ${load.join(' ')}`);
  console.table(rows);
  if (args.json) writeFileSync(args.json, JSON.stringify({ request: request.name, load, rows }, null, 2));
} finally {
  agent.destroy();
  for (const s of services) s.child.kill('SIGTERM');
}
