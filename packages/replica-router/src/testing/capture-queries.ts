import { AsyncLocalStorage } from 'node:async_hooks';
import type { RouteEvent } from '../events/route-event.ts';
import { routeChannel } from '../events/route-event.ts';
import type { Alias, RouteReason } from '../router/route-reason.ts';

/** One statement as it ran. */
export interface CapturedQuery {
  readonly alias: Alias;
  /** `primary` or `replica_N`. */
  readonly node: string;
  /** `host:port` the pool connected to. */
  readonly host: string;
  readonly sql: string;
  readonly reason: RouteReason;
  /** Set for a replica attempt that failed (and, when `retried`, ran again on the primary). */
  readonly error?: unknown;
  readonly retried?: boolean;
}

const capturing = new AsyncLocalStorage<CapturedQuery[]>();
const active = new Set<CapturedQuery[]>();
let subscribed = false;

function onRoute(message: unknown): void {
  // A statement run under a capture goes to that capture only. One whose async context lost the
  // capture (Fastify's inject() does not carry the caller's context into the request) goes to every
  // active capture.
  const own = capturing.getStore();
  const sinks = own ? [own] : [...active];
  const e = message as RouteEvent;
  const record: CapturedQuery = {
    alias: e.node.alias,
    node: e.node.name,
    host: `${e.node.host}:${e.node.port}`,
    sql: e.sql,
    reason: e.reason,
    ...(e.error === undefined ? {} : { error: e.error }),
    ...(e.retried ? { retried: true } : {}),
  };
  for (const sink of sinks) sink.push(record);
}

/**
 * Records every statement run inside `fn`: alias, node, host:port, SQL and routing reason. Statements
 * of concurrent work under another capture are not included; statements whose async context carries
 * no capture at all (e.g. requests sent with Fastify's `inject()`) are recorded by every active capture. For tests that assert where queries went;
 * pair it with a server-side check (`pg_is_in_recovery()`, `inet_server_port()`, statistics views).
 *
 * @example
 * const { result, queries } = await captureQueries(() => app.inject('/api/performance/framework/'));
 * assert.ok(queries.every((q) => q.alias === 'read_replica'));
 */
export async function captureQueries<T>(
  fn: () => T | Promise<T>,
): Promise<{ result: T; queries: CapturedQuery[] }> {
  if (!subscribed) {
    routeChannel.subscribe(onRoute);
    subscribed = true;
  }
  const queries: CapturedQuery[] = [];
  active.add(queries);
  try {
    const result = await capturing.run(queries, fn);
    return { result, queries };
  } finally {
    active.delete(queries);
  }
}
