/**
 * Speed benchmark (issue 14): the service against the reference's figures, and against an older checkout
 * of the service on the same database, side by side in one run.
 *
 * Each checkout runs in its own process (bench/support/serve-checkout.ts; routing on, one replica) on a
 * database seeded beforehand (`npm run db:seed -- --size medium` or `large`). Per endpoint: every server
 * answers a warm-up (ours first, so a Mann-Whitney result is cached by the current code), the answers are
 * compared (the same bytes, or at least the same JSON), then `--requests` sequential requests per server,
 * alternating in blocks of `--block` (ABAB…), timed at the client (node:http, one keep-alive connection per
 * server, the client's young generation collected before each request) from sending to the last byte. Each block is
 * sent twice: with `Accept-Encoding: identity` (the `p50`/`p99` columns) and with `Accept-Encoding: gzip`, the
 * body decoded at the client (the `gzip` columns; a server that does not compress answers identity). Then the
 * same number of conditional requests (If-None-Match with the ETag) against ours: the 304 path.
 *
 * Usage: node --conditions=@perfherder/source --import tsx bench/speed.ts --primary-url <url> --replica-url <url>
 *        [--size medium] [--baseline <checkout folder>] [--requests 200] [--block 25] [--only <name part>]
 *        [--no-gzip (identity requests only)] [--no-client-gc (no client collection before each request)]
 * Prints a table, writes bench/results/speed-<size>.json and speed-<size>.md. Not part of npm test.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createGunzip } from 'node:zlib';
import pg from 'pg';
import { benchEnvironment, resultsDir, writeResult } from './support/bench-env.ts';
import { serveCheckout } from './support/serve-process.ts';
import { speedRequests } from './support/speed-requests.ts';

const { values: args } = parseArgs({
  options: {
    'primary-url': { type: 'string' },
    'replica-url': { type: 'string' },
    size: { type: 'string', default: 'medium' },
    baseline: { type: 'string' },
    requests: { type: 'string', default: '200' },
    block: { type: 'string', default: '25' },
    only: { type: 'string' },
    'no-gzip': { type: 'boolean', default: false },
    'no-client-gc': { type: 'boolean', default: false },
  },
});
const primaryUrl = args['primary-url'];
const replicaUrl = args['replica-url'];
if (!primaryUrl || !replicaUrl) throw new Error('--primary-url and --replica-url are required');
const requestsPerServer = Number(args.requests);
const block = Number(args.block);
/** The encodings measured: identity always, gzip unless --no-gzip. */
type Encoding = 'identity' | 'gzip';
const encodings: readonly Encoding[] = args['no-gzip'] ? ['identity'] : ['identity', 'gzip'];
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Server {
  readonly label: 'ours' | 'baseline';
  readonly url: string;
  readonly child: ChildProcess;
}

async function serve(label: Server['label'], checkout: string): Promise<Server> {
  return { label, ...(await serveCheckout({ checkout, primaryUrl: primaryUrl!, replicaUrl: replicaUrl! })) };
}

interface Timed {
  readonly ms: number;
  readonly status: number;
  /** Decoded (a gzip Content-Encoding undone); empty unless the body was asked to be kept. */
  readonly body: string;
  readonly headers: Headers;
}

// The client's young generation is collected before each request, outside the clock: a request allocates tens
// to hundreds of kB in this process, so a scavenge of this process (1-10 ms on a loaded machine) would otherwise land inside
// 1 to 10 % of the timed requests and count as the service's tail. Collections of this process that still overlap
// a measured request (mostly incremental mark-compacts started during it) are counted per endpoint
// (`client GCs inside requests`, `clientGcsInsideRequests`). `--no-client-gc`: none forced (as before).
v8.setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as (options: { type: 'minor' }) => void;
const clientGcs: { start: number; end: number }[] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) clientGcs.push({ start: e.startTime, end: e.startTime + e.duration });
});
gcObserver.observe({ entryTypes: ['gc'] });
const timedSpans: { start: number; end: number }[] = [];
/** Client collections that overlapped a timed request since the last call (forgets both lists). */
function clientGcsInside(): number {
  for (const e of gcObserver.takeRecords())
    clientGcs.push({ start: e.startTime, end: e.startTime + e.duration });
  const inside = clientGcs.filter((g) => timedSpans.some((t) => g.start < t.end && g.end > t.start)).length;
  clientGcs.length = 0;
  timedSpans.length = 0;
  return inside;
}

/** One keep-alive connection per server (node:http pools by host and port), as fetch kept them. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/**
 * One request, timed from sending to the body's last byte (a gzip body inflated as it arrives). node:http, not
 * fetch: fetch's own work per request (streams, promises, a Response) was part of the client's time and garbage.
 */
function timed(
  url: string,
  headers: Record<string, string> = {},
  encoding: Encoding = 'identity',
  keepBody = false,
): Promise<Timed> {
  if (!args['no-client-gc']) collectGarbage({ type: 'minor' });
  return new Promise<Timed>((done, fail) => {
    const started = performance.now();
    const request = http.get(url, { agent, headers: { 'accept-encoding': encoding, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      const gzipped = res.statusCode === 200 && res.headers['content-encoding'] === 'gzip';
      const body = gzipped ? res.pipe(createGunzip()) : res;
      // A measured request's body is only counted: kept, 4-7 MB of chunks would be collected inside later requests.
      body.on('data', (chunk: Buffer) => {
        if (keepBody) chunks.push(chunk);
      });
      body.on('error', fail);
      body.on('end', () => {
        const ended = performance.now();
        timedSpans.push({ start: started, end: ended });
        // Turning the bytes into a JavaScript string is the client's own work (3-10 ms for 4-7 MB): after the clock.
        const kept = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) kept.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        done({
          ms: ended - started,
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          headers: kept,
        });
      });
    });
    request.on('error', fail);
  });
}

/** Nearest-rank percentile, 2 significant decimals. */
function percentile(sorted: readonly number[], p: number): number {
  const value = sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  return Math.round(value * 100) / 100;
}
const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

const root = resolve(import.meta.dirname, '..');
const servers: Server[] = [];
// Interrupted: stop the servers too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const server of servers) server.child.kill('SIGTERM');
    process.exit(130);
  });
}
const client = new pg.Client({ connectionString: primaryUrl, application_name: 'bench-speed' });
try {
  await client.connect();
  const datums = Number(
    (await client.query('SELECT count(*)::bigint AS n FROM performance_datum')).rows[0]?.n ?? 0,
  );
  const { requests, parameters } = await speedRequests(client);
  servers.push(await serve('ours', root));
  if (args.baseline) servers.push(await serve('baseline', resolve(args.baseline)));
  const ours = servers[0] as Server;

  const rows: Record<string, unknown>[] = [];
  const results: Record<string, unknown>[] = [];
  for (const request of requests) {
    if (args.only && !request.name.includes(args.only)) continue;
    // Warm-up, ours first; the answers must agree.
    const first = new Map<string, Timed>();
    for (const server of servers) {
      for (let i = 0; i < 3; i++)
        first.set(server.label, await timed(`${server.url}${request.path}`, {}, 'identity', true));
    }
    const mine = first.get('ours') as Timed;
    if (mine.status !== 200)
      throw new Error(`${request.name}: HTTP ${mine.status} ${mine.body.slice(0, 200)}`);
    // The gzip answer, decoded, must be the identity answer.
    let gzipEncoding: string | null = null;
    if (encodings.includes('gzip')) {
      const zipped = await timed(`${ours.url}${request.path}`, {}, 'gzip', true);
      if (zipped.body !== mine.body)
        throw new Error(`${request.name}: the gzip answer decodes to other bytes`);
      gzipEncoding = zipped.headers.get('content-encoding');
    }
    let same = 'n/a';
    const theirs = first.get('baseline');
    if (theirs) {
      if (theirs.body === mine.body) same = 'same bytes';
      else if (isDeepStrictEqual(JSON.parse(theirs.body), JSON.parse(mine.body))) same = 'same JSON';
      else same = 'DIFFERENT';
    }
    const key = (label: string, encoding: Encoding) => `${label} ${encoding}`;
    const samples = new Map<string, number[]>(
      servers.flatMap((s) => encodings.map((e) => [key(s.label, e), []] as [string, number[]])),
    );
    clientGcsInside(); // The warm-up's are not counted.
    for (let done = 0; done < requestsPerServer; done += block) {
      for (const encoding of encodings) {
        for (const server of servers) {
          const list = samples.get(key(server.label, encoding)) as number[];
          for (let i = 0; i < Math.min(block, requestsPerServer - done); i++) {
            list.push((await timed(`${server.url}${request.path}`, {}, encoding)).ms);
          }
        }
      }
    }
    const etag = mine.headers.get('etag');
    const conditional: number[] = [];
    if (etag) {
      for (let i = 0; i < requestsPerServer; i++) {
        const res = await timed(`${ours.url}${request.path}`, { 'if-none-match': etag });
        if (res.status !== 304) throw new Error(`${request.name}: If-None-Match answered ${res.status}`);
        conditional.push(res.ms);
      }
    }
    const o = summary(samples.get(key('ours', 'identity')) as number[]);
    const b = args.baseline ? summary(samples.get(key('baseline', 'identity')) as number[]) : undefined;
    const gzipSamples = samples.get(key('ours', 'gzip'));
    const og = gzipSamples ? summary(gzipSamples) : undefined;
    const baselineGzip = samples.get(key('baseline', 'gzip'));
    const bg = baselineGzip ? summary(baselineGzip) : undefined;
    const c = conditional.length > 0 ? summary(conditional) : undefined;
    const ref = request.reference;
    const ratio = (a: number, r: number) => Math.round((a / r) * 100) / 100;
    const met = o.p50 <= ref.p50 / 3 && o.p99 <= ref.p99 / 2;
    rows.push({
      endpoint: request.name,
      'ref p50': ref.p50,
      ...(b ? { 'before p50': b.p50 } : {}),
      'ours p50': o.p50,
      'p50/ref': ratio(o.p50, ref.p50),
      'ref p99': ref.p99,
      ...(b ? { 'before p99': b.p99 } : {}),
      'ours p99': o.p99,
      'p99/ref': ratio(o.p99, ref.p99),
      '304 p50': c?.p50 ?? '-',
      goal: met ? 'met' : 'missed',
      ...(bg ? { 'before gzip p50': bg.p50 } : {}),
      ...(og ? { 'gzip p50': og.p50 } : {}),
      ...(bg ? { 'before gzip p99': bg.p99 } : {}),
      ...(og
        ? {
            'gzip p99': og.p99,
            'gzip goal': og.p50 <= ref.p50 / 3 && og.p99 <= ref.p99 / 2 ? 'met' : 'missed',
          }
        : {}),
    });
    const gcInside = clientGcsInside();
    results.push({
      name: request.name,
      path: request.path,
      bytes: Buffer.byteLength(mine.body),
      reference: ref,
      ours: o,
      ...(b ? { before: b, answers: same } : {}),
      ...(c ? { notModified: c } : {}),
      ...(og ? { gzip: { ours: og, ...(bg ? { before: bg } : {}), contentEncoding: gzipEncoding } } : {}),
      cacheControl: mine.headers.get('cache-control'),
      goalMet: met,
      clientGcsInsideRequests: gcInside,
    });
    log(
      `${request.name}: ours p50 ${o.p50} p99 ${o.p99}${b ? `, before p50 ${b.p50} p99 ${b.p99} (${same})` : ''}, ${Buffer.byteLength(mine.body)} bytes` +
        (og
          ? `; gzip (${gzipEncoding ?? 'identity'}): ours p50 ${og.p50} p99 ${og.p99}${bg ? `, before p50 ${bg.p50} p99 ${bg.p99}` : ''}`
          : '') +
        `; client GCs inside requests: ${gcInside}`,
    );
  }
  const size = args.size ?? 'medium';
  console.log(`\n${size}: ${datums} datums, ${requestsPerServer} sequential requests per server, ms`);
  console.table(rows);
  const result = {
    benchmark: 'speed',
    ...benchEnvironment({ roundLoad: true }),
    size,
    datums,
    requestsPerServer,
    block,
    baseline: args.baseline ? 'an older checkout of the service (see the commit message)' : null,
    parameters,
    endpoints: results,
  };
  writeResult(`speed-${size}.json`, result);
  const columns = Object.keys(rows[0] ?? {});
  const md = [
    `# Speed, ${size} data set (${datums} datums)`,
    '',
    `Generated by \`bench/speed.ts\` on ${result.date}, load average ${result.loadAverage.join(' ')}; ` +
      `${requestsPerServer} sequential requests per server, alternating in blocks of ${block}; ms at the client. ` +
      '`ref`: the reference (Treeherder under gunicorn, medium set). `before`: the service before issue 14, ' +
      'same database, same run. `304 p50`: the same request with If-None-Match. Goal: p50 ≤ ref/3, p99 ≤ ref/2. ' +
      'Columns without `gzip` are `Accept-Encoding: identity`; `gzip` columns: `Accept-Encoding: gzip`, decoded at the client.',
    '',
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${columns.map((c) => String(r[c])).join(' | ')} |`),
    '',
  ].join('\n');
  writeFileSync(join(resultsDir(), `speed-${size}.md`), md);
  log(`wrote bench/results/speed-${size}.json and speed-${size}.md`);
} finally {
  agent.destroy();
  await client.end().catch(() => {});
  for (const server of servers) server.child.kill('SIGTERM');
}
