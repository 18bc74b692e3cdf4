import { type Clock, systemClock, type TimerHandle } from '../health/clock.ts';
import type { ReplicaState, ReplicaStateReason } from '../health/replica-state.ts';
import type { ReplicaStateEvent } from '../health/replica-state-event.ts';
import type { RoutedPoolStats } from '../pool/routed-pool-options.ts';

/** One replica in a {@link RoutingSample}. JSON-ready: unknown values are `null`. */
export interface ReplicaSample {
  readonly name: string;
  readonly state: ReplicaState;
  readonly reason: ReplicaStateReason | null;
  readonly lagMs: number | null;
  readonly lagBytes: number | null;
}

/** The pool at one instant, with its counters as the change since the sample before. */
export interface RoutingSample {
  /** Milliseconds since the epoch. */
  readonly at: number;
  /** Statements the pool ran since the sample before (every routing reason, a fallback or hedge counted once). */
  readonly statements: number;
  /** …of which a replica served. */
  readonly replicaReads: number;
  /** Replica attempts retried on the primary since the sample before. */
  readonly fallbacks: number;
  /** Replica statements that also ran on the primary (hedged) since the sample before. */
  readonly hedges: number;
  readonly replicas: readonly ReplicaSample[];
}

/** A replica changing state (ejected, lagging, readmitted…), from the pool's own state events. */
export interface ReplicaChangeEvent {
  readonly kind: 'replica_state';
  readonly at: number;
  readonly replica: string;
  readonly from: ReplicaState;
  readonly to: ReplicaState;
  /** Why it is not healthy now; null when it became healthy. */
  readonly reason: ReplicaStateReason | null;
  readonly lagMs: number | null;
}

/** Fallbacks or hedges that happened during one sampling interval (ending at `at`). */
export interface CountEvent {
  readonly kind: 'fallbacks' | 'hedges';
  readonly at: number;
  readonly count: number;
}

export type RoutingHistoryEvent = ReplicaChangeEvent | CountEvent;

/** What {@link RoutingHistory.snapshot} returns: the series a status page draws. Holds no URL and no secret. */
export interface RoutingHistorySnapshot {
  readonly routingEnabled: boolean;
  readonly sampleMs: number;
  readonly windowMs: number;
  /** When the snapshot was taken (ms since the epoch), for the reader's time axis. */
  readonly now: number;
  /** Oldest first. */
  readonly samples: readonly RoutingSample[];
  /** Oldest first. */
  readonly events: readonly RoutingHistoryEvent[];
}

/** The part of a `RoutedPool` the history reads (a `RoutedPool` is one). */
export interface RoutingHistorySource {
  stats(): RoutedPoolStats;
  onReplicaStateChange(listener: (event: ReplicaStateEvent) => void): () => void;
  /** pg.Pool's flag: `end()` was called. The history stops at its next tick. */
  readonly ending: boolean;
}

export interface RoutingHistoryOptions {
  /** Between two samples of `pool.stats()`; default 1000. */
  readonly sampleMs?: number;
  /** How far back samples and events are kept; default 600 000 (10 minutes). */
  readonly windowMs?: number;
  /** Most events kept within the window (a flapping replica cannot grow it); default 1000. */
  readonly maxEvents?: number;
  /** Injected time and timers (tests); the system clock by default. */
  readonly clock?: Clock;
}

/** A bounded, sampled history of a routed pool: for a status page's charts and timeline. */
export interface RoutingHistory {
  /** The samples and events kept, or only those after `sinceMs` (a page polling for what is new). */
  snapshot(options?: { readonly sinceMs?: number }): RoutingHistorySnapshot;
  /** Takes a sample now, outside the schedule (tests, or a page that wants the freshest state). */
  sample(): void;
  /** Stops sampling and listening. Idempotent; the history also stops by itself once the pool ends. */
  stop(): void;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`RoutingHistory option ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function statementTotal(stats: RoutedPoolStats): number {
  let total = 0;
  for (const n of Object.values(stats.reasons)) total += n;
  // A fallback's retry and a hedge are counted on top of the statement's own reason.
  return total - stats.reasons.fallback - stats.reasons.hedged;
}

/** Drops entries older than `oldest` from the front of an oldest-first list, then all but the last `max`. */
function trim<T extends { readonly at: number }>(list: T[], oldest: number, max: number): void {
  let drop = 0;
  while (drop < list.length && list[drop]!.at < oldest) drop++;
  drop = Math.max(drop, list.length - max);
  if (drop > 0) list.splice(0, drop);
}

class SampledRoutingHistory implements RoutingHistory {
  readonly #source: RoutingHistorySource;
  readonly #clock: Clock;
  readonly #sampleMs: number;
  readonly #windowMs: number;
  readonly #maxSamples: number;
  readonly #maxEvents: number;
  readonly #samples: RoutingSample[] = [];
  readonly #events: RoutingHistoryEvent[] = [];
  readonly #unsubscribe: () => void;
  #timer: TimerHandle | undefined;
  #stopped = false;
  #routingEnabled = false;
  #previous:
    | { statements: number; fallbacks: number; hedges: number; served: Map<string, number> }
    | undefined;

  constructor(source: RoutingHistorySource, options: RoutingHistoryOptions) {
    this.#source = source;
    this.#clock = options.clock ?? systemClock;
    this.#sampleMs = positiveInteger('sampleMs', options.sampleMs ?? 1000);
    this.#windowMs = positiveInteger('windowMs', options.windowMs ?? 600_000);
    this.#maxEvents = positiveInteger('maxEvents', options.maxEvents ?? 1000);
    this.#maxSamples = Math.ceil(this.#windowMs / this.#sampleMs) + 1;
    this.#unsubscribe = source.onReplicaStateChange((event) => this.#onStateChange(event));
    this.sample();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#source.ending) {
        this.stop();
        return;
      }
      this.sample();
      this.#schedule();
    }, this.#sampleMs);
    // Background work: a status page must never keep a process alive.
    this.#clock.unref?.(this.#timer);
  }

  #onStateChange(event: ReplicaStateEvent): void {
    this.#pushEvent({
      kind: 'replica_state',
      at: event.at,
      replica: event.replica,
      from: event.from,
      to: event.to,
      reason: event.reason ?? null,
      lagMs: event.lagMs ?? null,
    });
  }

  #pushEvent(event: RoutingHistoryEvent): void {
    this.#events.push(event);
    trim(this.#events, this.#clock.now() - this.#windowMs, this.#maxEvents);
  }

  sample(): void {
    if (this.#stopped) return;
    const stats = this.#source.stats();
    const at = this.#clock.now();
    this.#routingEnabled = stats.routingEnabled;
    const statements = statementTotal(stats);
    const served = new Map(stats.replicas.map((r) => [r.name, r.served]));
    const prev = this.#previous;
    let replicaReads = 0;
    if (prev) {
      // Per replica, so a replica that left the set (DNS discovery) does not make the sum go backwards.
      for (const [name, n] of served) replicaReads += Math.max(0, n - (prev.served.get(name) ?? 0));
    }
    const fallbacks = prev ? Math.max(0, stats.fallbacks - prev.fallbacks) : 0;
    const hedges = prev ? Math.max(0, stats.reasons.hedged - prev.hedges) : 0;
    this.#previous = { statements, fallbacks: stats.fallbacks, hedges: stats.reasons.hedged, served };
    this.#samples.push({
      at,
      statements: prev ? Math.max(0, statements - prev.statements) : 0,
      replicaReads,
      fallbacks,
      hedges,
      replicas: stats.replicas.map((r) => ({
        name: r.name,
        state: r.state,
        reason: r.reason ?? null,
        lagMs: r.lagMs ?? null,
        lagBytes: r.lagBytes ?? null,
      })),
    });
    trim(this.#samples, at - this.#windowMs, this.#maxSamples);
    if (fallbacks > 0) this.#events.push({ kind: 'fallbacks', at, count: fallbacks });
    if (hedges > 0) this.#events.push({ kind: 'hedges', at, count: hedges });
    trim(this.#events, at - this.#windowMs, this.#maxEvents);
  }

  snapshot(options: { readonly sinceMs?: number } = {}): RoutingHistorySnapshot {
    const since = options.sinceMs ?? Number.NEGATIVE_INFINITY;
    return {
      routingEnabled: this.#routingEnabled,
      sampleMs: this.#sampleMs,
      windowMs: this.#windowMs,
      now: this.#clock.now(),
      samples: this.#samples.filter((s) => s.at > since),
      events: this.#events.filter((e) => e.at > since),
    };
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#unsubscribe();
  }
}

/**
 * Samples `pool.stats()` every `sampleMs` into a bounded history (the last `windowMs`) and records the pool's
 * replica state changes as they happen, with fallbacks and hedges per interval: what a status page draws.
 * Its timer is unref'd; it stops with `stop()` or by itself once the pool ends.
 *
 * @example
 * const history = createRoutingHistory(pool); // a sample per second, 10 minutes kept
 * app.get('/status/history', () => history.snapshot());
 * app.addHook('onClose', () => history.stop());
 */
export function createRoutingHistory(
  pool: RoutingHistorySource,
  options: RoutingHistoryOptions = {},
): RoutingHistory {
  return new SampledRoutingHistory(pool, options);
}
