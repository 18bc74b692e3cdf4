import { AsyncLocalStorage } from 'node:async_hooks';
import type { CausalRequest } from '../causal/causal-request.ts';
import type { RouterLogger } from '../log/router-logger.ts';

export type { RouterLogger } from '../log/router-logger.ts';

/** Describes the request a scope belongs to (for the log lines). */
export interface ScopeInfo {
  readonly path?: string;
  readonly method?: string;
  /** Per-request logger; falls back to the pool's. */
  readonly log?: RouterLogger;
  /** Causal state (consistency level, presented token) when the request's level is not `eventual`. */
  readonly causal?: CausalRequest;
}

/**
 * Request-scoped routing state. Lives in AsyncLocalStorage, never in a module global, so concurrent
 * requests never see each other's flag.
 */
export interface RequestScope {
  /** The reference's flag: reads may go to a replica. False under `usePrimary`. */
  readonly useReplica: boolean;
  readonly path: string;
  readonly method: string;
  readonly log: RouterLogger | undefined;
  /** Set once a replica failed in this request: the rest of the request runs on the primary. */
  fellBack: boolean;
  /** Set once the request wrote: later reads go to the primary (read-your-writes within a request). */
  wrote: boolean;
  /** Set when the request ended: late statements (timers…) run on the primary. */
  ended: boolean;
  /** Causal state shared with every nested scope of the request; undefined at level `eventual`. */
  readonly causal: CausalRequest | undefined;
  /** The scope `usePrimary` was called in: a write inside marks it too. */
  readonly parent: RequestScope | undefined;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** The scope of the current async context, if any. */
export function currentScope(): RequestScope | undefined {
  return storage.getStore();
}

function newScope(useReplica: boolean, info: ScopeInfo, parent?: RequestScope): RequestScope {
  return {
    useReplica,
    path: info.path ?? '',
    method: info.method ?? '',
    log: info.log,
    fellBack: false,
    wrote: false,
    ended: false,
    causal: info.causal,
    parent,
  };
}

/**
 * Runs `fn` in `scope`'s async context (none when undefined): for work a callback resumes outside the request's
 * context (a connection's answer arrives in the context that opened the connection).
 */
export function withScope<T>(scope: RequestScope | undefined, fn: () => T): T {
  return storage.run(scope as RequestScope, fn);
}

/** Record that the request (and every scope it is nested in) may have written. */
export function markWrote(scope: RequestScope): void {
  for (let s: RequestScope | undefined = scope; s && !s.wrote; s = s.parent) s.wrote = true;
}

/**
 * Run `fn` with the replica flag set: provably read-only statements on allow-listed tables may be
 * served by a replica. The flag is gone when `fn` settles, whether it returned or threw.
 *
 * @example
 * const rows = await runInReplicaScope(() => pool.query('SELECT * FROM performance_framework'));
 */
export async function runInReplicaScope<T>(fn: () => T | Promise<T>, info: ScopeInfo = {}): Promise<T> {
  return runInScope(true, fn, info);
}

/** {@link runInReplicaScope} with the flag given: false tracks writes (for a causal token) without replica reads. */
export async function runInScope<T>(
  useReplica: boolean,
  fn: () => T | Promise<T>,
  info: ScopeInfo = {},
): Promise<T> {
  const scope = newScope(useReplica, info);
  try {
    return await storage.run(scope, () => settleInside(fn));
  } finally {
    scope.ended = true;
  }
}

/**
 * Enter a scope for a callback-style framework hook (Fastify's onRequest): `next` and everything it starts
 * run in it. `useReplica` false gives a request that may not read from a replica but whose writes are still
 * tracked (for its causal token).
 */
export function enterRequestScope(useReplica: boolean, info: ScopeInfo, next: () => void): RequestScope {
  const scope = newScope(useReplica, info);
  storage.run(scope, next);
  return scope;
}

/** {@link enterRequestScope} with the replica flag set: the framework adapters' opted-in requests. */
export function enterReplicaScope(info: ScopeInfo, next: () => void): RequestScope {
  return enterRequestScope(true, info, next);
}

/** Run `fn` with every statement on the primary, even inside an opted-in request. */
export async function usePrimary<T>(fn: () => T | Promise<T>): Promise<T> {
  const outer = storage.getStore();
  const scope = newScope(
    false,
    {
      ...(outer?.path ? { path: outer.path } : {}),
      ...(outer?.method ? { method: outer.method } : {}),
      ...(outer?.causal ? { causal: outer.causal } : {}),
    },
    outer,
  );
  return storage.run(scope, () => settleInside(fn));
}

/**
 * Awaits `fn`'s result inside the scope. A lazy thenable (Drizzle's query builders run their query in
 * `then`) returned by `fn` and awaited outside `storage.run` would start its query in the caller's
 * context: a read meant for the replica would go to the primary, and one under `usePrimary` to a replica.
 */
async function settleInside<T>(fn: () => T | Promise<T>): Promise<T> {
  return await fn();
}
