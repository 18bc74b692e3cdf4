import { LRUCache } from 'lru-cache';
import type { Clock } from '../health/clock.ts';
import type { AbandonOutcome } from './cancellable-query.ts';
import { HedgeBudget } from './hedge-budget.ts';
import {
  type HedgePolicy,
  hedgeBudgetBurst,
  hedgeBudgetWindowMs,
  hedgeLatencyFactor,
  hedgeLatencySamples,
  hedgeMinSamples,
  hedgeShapeMaxSqlLength,
  hedgeShapeMinSamples,
  hedgeShapeSamples,
  hedgeShapes,
} from './hedge-policy.ts';
import type { HedgeWatchdog } from './hedge-watchdog.ts';
import { LatencyWindow } from './latency-window.ts';

/** One replica's hedging in `pool.stats().hedging`. */
export interface ReplicaHedgeStats {
  readonly replica: string;
  /** The delay a statement sent to it now would get, unless its shape has latencies of its own. */
  readonly delayMs: number;
  /** p95 of its recent statement latencies (undefined before the first). */
  readonly p95Ms: number | undefined;
  /** Statements that also ran on the primary. */
  readonly hedges: number;
  /** …of which the primary answered first, and the replica did. */
  readonly primaryWon: number;
  readonly replicaWon: number;
  /** Losers whose connection went back to its pool after a cancel, and losers whose connection was destroyed. */
  readonly cancelled: number;
  readonly destroyed: number;
  /** Times it was ejected for being past the budget (`hedge_budget`). */
  readonly budgetEjections: number;
  /** Its hedges and statements in the budget window now. */
  readonly window: { readonly hedges: number; readonly statements: number };
  /** Its statements in flight that its watchdog watches now (waiting for their delay or an answer). */
  readonly inFlight: number;
  /** Whether its watchdog's timer runs (only while statements are in flight, and up to 100 ms after the last). */
  readonly watchdogArmed: boolean;
}

/** Hedging as `pool.stats()` shows it. Holds no secret. */
export interface HedgeStats {
  /** False when `hedgeMs` is 0. */
  readonly enabled: boolean;
  /** `hedgeMs` when fixed; undefined for the adaptive delay. */
  readonly fixedMs: number | undefined;
  readonly floorMs: number;
  readonly capMs: number;
  readonly budget: number;
  /** Statement shapes with a latency window of their own (at most 1000). */
  readonly shapes: number;
  /** Hedges started at once because the replica was ejected while the statement ran on it. */
  readonly onEjection: number;
  readonly replicas: readonly ReplicaHedgeStats[];
}

/**
 * One replica's hedging state: its latencies, its budget window and its counters. The hedger hands it out
 * ({@link Hedger.replica}) so that a statement's path, which notes each statement and its latency, looks it up once
 * per replica rather than by name per statement.
 */
export interface ReplicaHedging {
  readonly latency: LatencyWindow;
  readonly budget: HedgeBudget;
  hedges: number;
  primaryWon: number;
  replicaWon: number;
  cancelled: number;
  destroyed: number;
  budgetEjections: number;
}

/** A replica, by name or by its hedging state ({@link Hedger.replica}). */
export type HedgedReplica = string | ReplicaHedging;

/**
 * Hedging state: recent latencies per replica and per statement shape (for the adaptive delay), each replica's
 * budget window, and counters. The delay of a statement is `fixedMs` when set; else, once its shape (its SQL
 * text, as the classifier caches it) has `hedgeShapeMinSamples` latencies, `hedgeLatencyFactor` × the shape's
 * p95, at least the floor and with no cap (a statement that is normally slow is not hedged for being slow);
 * else `hedgeLatencyFactor` × the p95 of the replica's recent latencies, within [floor, cap] (the cap until
 * enough statements were seen). A frozen replica is bounded by its ejection instead: statements in flight on it
 * are hedged at once (see the dispatcher). The budget windows run on the hedger's clock: the pool's is
 * `monotonicClock`, whose reading a hedged read takes when its statement was sent and passes to {@link noteStatement}.
 */
export class Hedger {
  readonly policy: HedgePolicy;
  readonly #clock: Clock;
  readonly #replicas = new Map<string, ReplicaHedging>();
  readonly #shapes = new LRUCache<string, LatencyWindow>({ max: hedgeShapes });
  onEjection = 0;

  constructor(policy: HedgePolicy, clock: Clock) {
    this.policy = policy;
    this.#clock = clock;
  }

  get enabled(): boolean {
    return this.policy.fixedMs !== 0;
  }

  /** The hedging state of the replica named `name`. */
  replica(name: string): ReplicaHedging {
    return this.#of(name);
  }

  /** The hedge delay of a statement of shape `sql` sent to `replica` now. */
  delayMs(replica: HedgedReplica, sql?: string): number {
    return this.delayFor(replica, sql === undefined ? undefined : this.#shapes.get(sql));
  }

  /**
   * The latency window of shape `sql`, if it has one: look it up once per statement and hand it to
   * {@link delayFor} and {@link recordLatency}.
   */
  shapeOf(sql: string): LatencyWindow | undefined {
    return this.#shapes.get(sql);
  }

  /** {@link delayMs} with the shape's window already looked up. */
  delayFor(replica: HedgedReplica, shape: LatencyWindow | undefined): number {
    const { fixedMs, floorMs } = this.policy;
    if (fixedMs !== undefined) return fixedMs;
    if (shape && shape.size >= hedgeShapeMinSamples) {
      return Math.max(floorMs, Math.ceil((shape.p95() ?? 0) * hedgeLatencyFactor));
    }
    return this.#replicaDelayMs(replica);
  }

  #replicaDelayMs(replica: HedgedReplica): number {
    const { floorMs, capMs } = this.policy;
    const latency = this.#of(replica).latency;
    const p95 = latency.size >= hedgeMinSamples ? latency.p95() : undefined;
    if (p95 === undefined) return capMs;
    return Math.min(capMs, Math.max(floorMs, Math.ceil(p95 * hedgeLatencyFactor)));
  }

  /**
   * A hedge starts: its delay passed (`now` false), or the replica was ejected under the statement (`now` true).
   */
  noteHedge(replica: HedgedReplica, now: boolean): void {
    this.#of(replica).hedges++;
    if (now) this.onEjection++;
  }

  /**
   * A statement was sent to the replica (hedged or not), at `now` on the hedger's clock (by default read from it:
   * a caller that has just read the same clock passes its reading instead of paying for a second one).
   */
  noteStatement(replica: HedgedReplica, now: number = this.#clock.now()): void {
    this.#of(replica).budget.noteStatement(now);
  }

  /**
   * The primary won a hedge the delay started: the replica was slower than the primary on a statement it had
   * every head start for. Counts against its budget; false when past it (the caller ejects the replica). A race
   * the replica won does not count: the statement was slow on both servers, not on the replica.
   */
  spend(replica: HedgedReplica): boolean {
    const r = this.#of(replica);
    const within = r.budget.spend(this.#clock.now());
    if (!within) {
      r.budgetEjections++;
      // Readmitted later, it starts with a fresh window (and the burst allowance).
      r.budget.reset();
    }
    return within;
  }

  /**
   * The replica answered a statement of shape `sql` in `ms` (hedged or not): a sample of the replica's and of
   * the shape's latency (`shape`: its window, when {@link shapeOf} found one).
   */
  recordLatency(replica: HedgedReplica, ms: number, sql?: string, shape?: LatencyWindow): void {
    this.#of(replica).latency.record(ms);
    if (shape) shape.record(ms);
    else if (sql !== undefined) this.recordShape(sql, ms);
  }

  /**
   * A statement of shape `sql` took `ms` on a server (the primary, when it won a hedge): what the statement costs,
   * whichever server ran it. Never a replica's time it did not answer in, so a frozen replica cannot stretch a
   * delay; the primary's time of a statement that is slow by nature lets its later runs go unhedged.
   */
  recordShape(sql: string, ms: number): void {
    if (sql.length > hedgeShapeMaxSqlLength) return;
    let window = this.#shapes.get(sql);
    if (!window) {
      window = new LatencyWindow(hedgeShapeSamples, 4);
      this.#shapes.set(sql, window);
    }
    window.record(ms);
  }

  noteWinner(replica: HedgedReplica, winner: 'replica' | 'primary'): void {
    const r = this.#of(replica);
    if (winner === 'primary') r.primaryWon++;
    else r.replicaWon++;
  }

  noteLoser(replica: HedgedReplica, outcome: AbandonOutcome | undefined): void {
    const r = this.#of(replica);
    if (outcome === 'cancelled') r.cancelled++;
    else if (outcome === 'destroyed') r.destroyed++;
  }

  stats(replicas: readonly { readonly name: string; readonly watchdog: HedgeWatchdog }[]): HedgeStats {
    const now = this.#clock.now();
    return {
      enabled: this.enabled,
      fixedMs: this.policy.fixedMs,
      floorMs: this.policy.floorMs,
      capMs: this.policy.capMs,
      budget: this.policy.budget,
      shapes: this.#shapes.size,
      onEjection: this.onEjection,
      replicas: replicas.map(({ name, watchdog }) => {
        const r = this.#of(name);
        return {
          replica: name,
          delayMs: this.delayMs(name),
          p95Ms: r.latency.p95(),
          hedges: r.hedges,
          primaryWon: r.primaryWon,
          replicaWon: r.replicaWon,
          cancelled: r.cancelled,
          destroyed: r.destroyed,
          budgetEjections: r.budgetEjections,
          window: r.budget.usage(now),
          inFlight: watchdog.size,
          watchdogArmed: watchdog.armed,
        };
      }),
    };
  }

  #of(replica: HedgedReplica): ReplicaHedging {
    if (typeof replica !== 'string') return replica;
    let r = this.#replicas.get(replica);
    if (!r) {
      r = {
        latency: new LatencyWindow(hedgeLatencySamples),
        budget: new HedgeBudget({
          windowMs: hedgeBudgetWindowMs,
          share: this.policy.budget,
          burst: hedgeBudgetBurst,
        }),
        hedges: 0,
        primaryWon: 0,
        replicaWon: 0,
        cancelled: 0,
        destroyed: 0,
        budgetEjections: 0,
      };
      this.#replicas.set(replica, r);
    }
    return r;
  }
}
