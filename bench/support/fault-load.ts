/**
 * The bounded mixed load of bench/fault-matrix.ts, over keep-alive HTTP against the service: token holders that
 * each write their own alert summary's notes (an authenticated PUT), read it back presenting the causal token (a
 * read that sees another value is a stale read) and read the routed data endpoint with the token; and readers of
 * routed endpoints without a token. Every request is recorded, failed or not, so a case's figures cover all of them.
 */
import type { Workload } from './causal-workload.ts';

/** One request of the load. */
export interface Sample {
  readonly start: number;
  readonly end: number;
  readonly ok: boolean;
  /** What the request was (`PUT own`, `GET own+token`, `GET routed+token`, or the reader's path). */
  readonly what: string;
}

/** What a load recorded: its requests, and the token holders' read-backs that did not see their own write. */
export interface LoadRecords {
  readonly samples: Sample[];
  staleReads: number;
}

export interface LoadOptions {
  /** The service's base URL (`http://host:port`). */
  readonly base: string;
  readonly workload: Workload;
  /** The readers' paths, each reader starting at its own and taking them in turn. */
  readonly readPaths: readonly string[];
  readonly tokenHolders: number;
  readonly readers: number;
  /** A request with no response by then counts as failed. */
  readonly requestTimeoutMs: number;
}

/** Runs the load until `stop()`, recording into `records`; `stop()` resolves once every client finished its current request. */
export function startLoad(options: LoadOptions, records: LoadRecords): { stop(): Promise<void> } {
  const { base, workload, readPaths } = options;
  async function call(
    method: 'GET' | 'PUT',
    path: string,
    headers: Record<string, string>,
    body?: object,
  ): Promise<{ status: number; json: unknown; token: string | null }> {
    const start = performance.now();
    let status = 0;
    let json: unknown;
    let token: string | null = null;
    try {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(options.requestTimeoutMs),
      });
      status = response.status;
      token = response.headers.get('x-causal-token');
      json = await response.json();
    } catch {
      status = 0;
    }
    const what = `${method} ${path.split('?')[0]}${headers['x-causal-token'] ? ' +token' : ''}`;
    records.samples.push({ start, end: performance.now(), ok: status === 200, what });
    return { status, json, token };
  }

  let running = true;
  const holder = async (c: number) => {
    const own = workload.summaries[c]!;
    let token: string | undefined;
    for (let k = 0; running; k++) {
      const auth = { authorization: `Bearer ${workload.sheriffToken}` };
      const notes = `fault-matrix c${c} v${k}`;
      const withToken = () => (token ? { 'x-causal-token': token } : {});
      const put = await call(
        'PUT',
        `/api/performance/alertsummary/${own}/`,
        { ...auth, ...withToken() },
        { notes },
      );
      if (put.token) token = put.token;
      const read = await call('GET', `/api/performance/alertsummary/${own}/`, withToken());
      if (put.status === 200 && read.status === 200 && (read.json as { notes?: unknown }).notes !== notes)
        records.staleReads++;
      await call('GET', workload.routedPath, withToken());
    }
  };
  const reader = async (c: number) => {
    for (let k = c; running; k++) await call('GET', readPaths[k % readPaths.length]!, {});
  };
  const loops = [
    ...Array.from({ length: options.tokenHolders }, (_, c) => holder(c)),
    ...Array.from({ length: options.readers }, (_, c) => reader(c)),
  ];
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}
