import type pg from 'pg';
import {
  type AbandonOutcome,
  type Acquire,
  CancellableQuery,
  type StatementInput,
} from './cancellable-query.ts';

/** What the caller learns about a race, after it is decided. */
export type HedgeResult = HedgeOutcome | { readonly kind: 'replica_failed'; readonly error: unknown };

/** A race decided by an answer. */
export interface HedgeOutcome {
  readonly kind: 'answered';
  readonly result: pg.QueryResult;
  /** Which server's answer was returned. */
  readonly winner: 'replica' | 'primary';
  /** Whether the primary was started at all (false: the replica answered within the delay). */
  readonly hedged: boolean;
  /** ms from the start to the replica's answer, when it answered (for the latency window). */
  readonly replicaMs: number | undefined;
  /** ms from the start of the primary's attempt to its answer, when it answered. */
  readonly primaryMs: number | undefined;
  /** Settles once the loser's connection is clean (cancelled and back in its pool, or destroyed). */
  readonly loser: Promise<AbandonOutcome | undefined>;
}

export interface HedgedQueryOptions {
  readonly replica: Acquire;
  readonly primary: Acquire;
  readonly delayMs: number;
  /**
   * When the replica's connection is a new one (no idle connection, room in its pool), the hedge may also start
   * this long after the start, before the statement is sent: a host that accepts TCP but never answers (frozen,
   * stalled) would otherwise hold the read for the whole connect timeout. Undefined: the delay counts from the
   * send alone.
   */
  readonly connectDelayMs?: number | undefined;
  readonly cancelTimeoutMs: number;
  /**
   * Called when the delay has passed without an answer (`now` false), or the caller asked for the hedge at once
   * (`now` true), just before the primary starts; `false` keeps waiting on the replica alone.
   */
  readonly onHedge: (now: boolean) => boolean;
  /** Called when the replica failed after the primary was started (the race is then the primary's). */
  readonly onReplicaErrorWhileHedged: (error: unknown) => void;
  /**
   * Called at the start with a function that hedges at once (its `onHedge` consulted as for the delay); returns
   * the function to call once the race is decided. The dispatcher calls it for the statements in flight on a
   * replica that gets ejected.
   */
  readonly register?: (hedgeNow: () => void) => () => void;
}

/**
 * Runs a statement on a replica; if it has not answered within `delayMs` of being sent, also on the primary. The first
 * success is returned; the other attempt is abandoned (cancelled, its connection left clean) in the background.
 * The replica failing before the primary started resolves `replica_failed` (the caller falls back as without
 * hedging); after, one attempt failing leaves the race to the other, and both failing rejects with the
 * primary's error.
 */
export function hedgedQuery(
  config: StatementInput,
  values: unknown[] | undefined,
  options: HedgedQueryOptions,
): Promise<HedgeResult> {
  const started = performance.now();
  // Armed once the statement is sent (assigned below, before a connection can be handed over).
  let onSent: () => void = () => {};
  const replica = new CancellableQuery(options.replica, config, values, {
    cancelTimeoutMs: options.cancelTimeoutMs,
    onSent: () => onSent(),
  });
  return new Promise<HedgeResult>((resolve, reject) => {
    let primary: CancellableQuery | undefined;
    let primaryStarted = 0;
    let decided = false;
    let replicaFailed: { error: unknown } | undefined;
    let primaryFailed: { error: unknown } | undefined;

    const startPrimary = () => {
      if (primary || decided) return;
      primaryStarted = performance.now();
      primary = new CancellableQuery(options.primary, config, values, {
        cancelTimeoutMs: options.cancelTimeoutMs,
      });
      primary.result.then(
        (result) => {
          if (decided) return;
          decide();
          resolve({
            kind: 'answered',
            result,
            winner: 'primary',
            hedged: true,
            replicaMs: undefined,
            primaryMs: performance.now() - primaryStarted,
            loser: replicaFailed ? Promise.resolve(undefined) : replica.abandon(),
          });
        },
        (error: unknown) => {
          if (decided) return;
          primaryFailed = { error };
          if (replicaFailed) {
            decide();
            reject(error);
          }
        },
      );
    };

    let timer: ReturnType<typeof setTimeout> | undefined;
    // Set while onHedge runs: should it eject the replica, the ejection asks its statements in flight, this one
    // included, to hedge at once.
    let hedging = false;
    const hedge = (now: boolean) => {
      clearTimeout(timer);
      if (decided || primary || hedging) return;
      hedging = true;
      const go = options.onHedge(now);
      hedging = false;
      if (go) startPrimary();
    };
    const unregister = options.register?.(() => hedge(true));
    const decide = () => {
      decided = true;
      unregister?.();
    };
    const arm = (ms: number) => {
      clearTimeout(timer);
      if (decided || primary) return;
      timer = setTimeout(() => hedge(false), ms);
    };
    // From the moment the statement is sent: waiting for an idle connection of a full pool is not hedged (a
    // saturated replica should not turn into primary load; the pool's own timeout falls back). A new
    // connection is, after `connectDelayMs`, well past what opening one costs a live server: a frozen or
    // stalled host would otherwise hold the read for the whole connect timeout.
    if (options.connectDelayMs !== undefined) arm(options.connectDelayMs);
    onSent = () => arm(options.delayMs);

    replica.result.then(
      (result) => {
        clearTimeout(timer);
        if (decided) return;
        decide();
        resolve({
          kind: 'answered',
          result,
          winner: 'replica',
          hedged: primary !== undefined,
          replicaMs: performance.now() - started,
          primaryMs: undefined,
          loser: primary && !primaryFailed ? primary.abandon() : Promise.resolve(undefined),
        });
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (decided) return;
        replicaFailed = { error };
        if (!primary) {
          decide();
          resolve({ kind: 'replica_failed', error });
          return;
        }
        options.onReplicaErrorWhileHedged(error);
        if (primaryFailed) {
          decide();
          reject(primaryFailed.error);
        }
      },
    );
  });
}
