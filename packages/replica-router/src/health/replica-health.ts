import type { RouterLogger } from '../log/router-logger.ts';
import {
  formatWalPosition,
  laterWalPosition,
  type WalPosition,
  walPositionCovers,
} from '../wal/wal-position.ts';
import type { Clock } from './clock.ts';
import { type HealthPolicy, lagRecoveryRatio } from './health-policy.ts';
import type { PrimaryPositionHistory } from './primary-position-history.ts';
import type { PrimarySample, ReplicaProbeSample } from './probe-sample.ts';
import type { ReplicaState, ReplicaStateReason } from './replica-state.ts';
import { type ReplicaStateEvent, replicaStateChannel } from './replica-state-event.ts';

/** A replica's health as the status page and `pool.stats()` show it. */
export interface ReplicaHealthSnapshot {
  readonly state: ReplicaState;
  /** Why it is not healthy; undefined while healthy or starting. */
  readonly reason: ReplicaStateReason | undefined;
  /** How long it has been in this state. */
  readonly stateForMs: number;
  /** Estimated lag in ms (an upper bound); 0 when it has replayed everything the primary had. */
  readonly lagMs: number | undefined;
  /** WAL bytes the primary had that it had not replayed, at the last probe. */
  readonly lagBytes: number | undefined;
  /** `pg_last_wal_replay_lsn()`, or a later position a routed check saw. */
  readonly replayLsn: string | undefined;
  readonly receiveLsn: string | undefined;
  readonly replayPaused: boolean;
  /** Milliseconds since the last probe answered or failed; undefined before the first. */
  readonly lastProbeAgoMs: number | undefined;
  readonly probes: { readonly ok: number; readonly failed: number };
  /** Code of the last probe or connection failure (SQLSTATE, client code or class name), never a message. */
  readonly lastError: string | undefined;
}

/** The code of an error for logs and status: SQLSTATE or client code, else the class name. */
function errorCode(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && code !== '' ? code : error.name || 'Error';
  }
  return typeof error;
}

/**
 * One replica's state machine, fed by its probes and by connection errors of routed statements. Every state
 * change is logged once (WARN `db_routing_replica_ejected`, ERROR for `not_a_replica`, INFO
 * `db_routing_replica_readmitted`) and published on `replica-router:replica-state`.
 */
export class ReplicaHealth {
  readonly name: string;
  readonly #policy: HealthPolicy;
  readonly #clock: Clock;
  readonly #logger: RouterLogger | undefined;
  readonly #history: PrimaryPositionHistory;
  readonly #onProbation: boolean;
  readonly #onChange: ((event: ReplicaStateEvent) => void) | undefined;
  #state: ReplicaState = 'starting';
  #reason: ReplicaStateReason | undefined;
  #since: number;
  /** When it stopped receiving reads (for `after_ms`); undefined while healthy. */
  #outSince: number | undefined;
  #goodStreak = 0;
  #lagMs: number | undefined;
  #lagBytes: number | undefined;
  #probedReplay: WalPosition | undefined;
  /** A later replay position a routed check read from the server itself, since the last probe. */
  #notedReplay: WalPosition | undefined;
  #receive: WalPosition | undefined;
  #paused = false;
  #lastProbeAt: number | undefined;
  #ok = 0;
  #failed = 0;
  #lastError: string | undefined;

  constructor(
    name: string,
    options: {
      policy: HealthPolicy;
      clock: Clock;
      history: PrimaryPositionHistory;
      logger?: RouterLogger | undefined;
      /**
       * A replica that joins a running pool (discovery) is admitted like an ejected one, after `readmitProbes`
       * good probes in a row; at start-up the first good probe admits (serving from replicas at once).
       */
      onProbation?: boolean;
      /** Told of every state change, as the channel is, but only this replica's (its pool's status history). */
      onChange?: ((event: ReplicaStateEvent) => void) | undefined;
    },
  ) {
    this.name = name;
    this.#policy = options.policy;
    this.#clock = options.clock;
    this.#history = options.history;
    this.#logger = options.logger;
    this.#onProbation = options.onProbation ?? false;
    this.#onChange = options.onChange;
    this.#since = this.#clock.now();
    this.#outSince = this.#since;
  }

  get state(): ReplicaState {
    return this.#state;
  }

  get reason(): ReplicaStateReason | undefined {
    return this.#reason;
  }

  /** Whether it may receive reads now. */
  get routable(): boolean {
    return this.#state === 'healthy';
  }

  get lagMs(): number | undefined {
    return this.#lagMs;
  }

  get lagBytes(): number | undefined {
    return this.#lagBytes;
  }

  /**
   * A position this replica has certainly replayed (a lower bound: it only moves forward while the server
   * runs); undefined before the first probe.
   */
  get replayPosition(): WalPosition | undefined {
    return laterWalPosition(this.#probedReplay, this.#notedReplay);
  }

  /** Record a replay position read from the server outside a probe (a causal check): a fresher lower bound. */
  noteReplayed(position: WalPosition): void {
    if (this.#state === 'healthy' || this.#state === 'lagging') {
      this.#notedReplay = laterWalPosition(this.#notedReplay, position);
    }
  }

  /** A probe answered. `primary` is the primary's position read just before it (undefined if that failed). */
  recordProbe(sample: ReplicaProbeSample, primary: PrimarySample | undefined): void {
    const now = this.#clock.now();
    this.#ok++;
    this.#lastProbeAt = now;
    this.#probedReplay = sample.replayPosition;
    if (this.#notedReplay !== undefined && this.#probedReplay !== undefined) {
      if (this.#notedReplay <= this.#probedReplay) this.#notedReplay = undefined;
    }
    this.#receive = sample.receivePosition;
    this.#paused = sample.replayPaused;
    if (!sample.inRecovery) {
      this.#goodStreak = 0;
      this.#lagMs = undefined;
      this.#lagBytes = undefined;
      this.#enter('not_a_replica', 'not_a_replica', now);
      return;
    }
    const lagKnown = this.#measureLag(sample, primary, now);
    const over = lagKnown && this.#overLimit(1);
    switch (this.#state) {
      case 'starting':
        if (this.#onProbation && !over && ++this.#goodStreak < this.#policy.readmitProbes) break;
        this.#goodStreak = 0;
        this.#enter(over ? 'lagging' : 'healthy', over ? 'replica_lagging' : undefined, now);
        break;
      case 'healthy':
        if (over) this.#enter('lagging', 'replica_lagging', now);
        break;
      case 'lagging':
        if (lagKnown && !this.#overLimit(lagRecoveryRatio)) this.#enter('healthy', undefined, now);
        break;
      case 'ejected':
      case 'not_a_replica':
        this.#goodStreak++;
        if (this.#goodStreak >= this.#policy.readmitProbes) {
          this.#goodStreak = 0;
          this.#enter(over ? 'lagging' : 'healthy', over ? 'replica_lagging' : undefined, now);
        }
        break;
    }
  }

  /** A probe failed (`probe_failed`) or did not answer in time (`probe_timeout`). */
  recordProbeFailure(reason: 'probe_failed' | 'probe_timeout', error: unknown): void {
    const now = this.#clock.now();
    this.#failed++;
    this.#lastProbeAt = now;
    this.#goodStreak = 0;
    this.#lastError = reason === 'probe_timeout' ? 'probe_timeout' : errorCode(error);
    // Not a replica stays so: the server still is not one we may read from, reachable or not.
    if (this.#state !== 'ejected' && this.#state !== 'not_a_replica') this.#enter('ejected', reason, now);
  }

  /** A routed statement or an idle pooled connection met a connection error: no reads until probes say so. */
  recordConnectionError(error: unknown): void {
    this.#goodStreak = 0;
    this.#lastError = errorCode(error);
    if (this.#state !== 'ejected' && this.#state !== 'not_a_replica') {
      this.#enter('ejected', 'connection_error', this.#clock.now());
    }
  }

  /** Too many of its statements were hedged (see the hedge budget): no reads until probes say so. */
  recordHedgeBudget(): void {
    this.#goodStreak = 0;
    if (this.#state === 'healthy' || this.#state === 'lagging') {
      this.#enter('ejected', 'hedge_budget', this.#clock.now());
    }
  }

  snapshot(): ReplicaHealthSnapshot {
    const now = this.#clock.now();
    const replay = this.replayPosition;
    return {
      state: this.#state,
      reason: this.#reason,
      stateForMs: now - this.#since,
      lagMs: this.#lagMs,
      lagBytes: this.#lagBytes,
      replayLsn: replay === undefined ? undefined : formatWalPosition(replay),
      receiveLsn: this.#receive === undefined ? undefined : formatWalPosition(this.#receive),
      replayPaused: this.#paused,
      lastProbeAgoMs: this.#lastProbeAt === undefined ? undefined : now - this.#lastProbeAt,
      probes: { ok: this.#ok, failed: this.#failed },
      lastError: this.#lastError,
    };
  }

  /**
   * Lag from the primary's position read just before this probe. A replica that has replayed it is at zero,
   * however old its last replayed commit (an idle primary is not lag). Otherwise the time lag is the smaller
   * of two upper bounds: time since the primary was last at a position this replica has replayed, and the age
   * of the last commit it replayed. Returns whether the lag is known.
   */
  #measureLag(sample: ReplicaProbeSample, primary: PrimarySample | undefined, now: number): boolean {
    const replay = sample.replayPosition;
    if (primary === undefined || replay === undefined) return false;
    if (walPositionCovers(replay, primary.position)) {
      this.#lagBytes = 0;
      this.#lagMs = 0;
      return true;
    }
    this.#lagBytes = Number(primary.position - replay);
    const caughtUpAt = this.#history.caughtUpAt(replay);
    const bounds = [
      caughtUpAt === undefined ? undefined : now - caughtUpAt,
      sample.replayAgeMs === undefined ? undefined : Math.max(0, sample.replayAgeMs),
    ].filter((b): b is number => b !== undefined);
    const oldest = this.#history.oldest;
    // Behind everything remembered and no commit replayed: at least as old as the oldest sample.
    this.#lagMs = bounds.length > 0 ? Math.min(...bounds) : oldest ? now - oldest.at : undefined;
    return this.#lagMs !== undefined;
  }

  /** Over `ratio` of either limit (a limit of 0 is off). */
  #overLimit(ratio: number): boolean {
    const { maxLagMs, maxLagBytes } = this.#policy;
    if (maxLagMs > 0 && (this.#lagMs ?? 0) > maxLagMs * ratio) return true;
    if (maxLagBytes > 0 && (this.#lagBytes ?? 0) > maxLagBytes * ratio) return true;
    return false;
  }

  #enter(next: ReplicaState, reason: ReplicaStateReason | undefined, now: number): void {
    const from = this.#state;
    if (from === next && this.#reason === reason) return;
    this.#state = next;
    this.#reason = reason;
    this.#since = now;
    if (next !== 'healthy' && next !== 'lagging') this.#notedReplay = undefined;
    const fields = { replica: this.name };
    if (next === 'healthy') {
      // The first probe admitting a replica at start-up is not news; everything after it is.
      if (from !== 'starting') {
        const afterMs = Math.round(now - (this.#outSince ?? now));
        const log = this.#logger?.info ?? this.#logger?.warn;
        log?.call(
          this.#logger,
          { db_routing: 'replica_readmitted', ...fields, after_ms: afterMs },
          `db_routing_replica_readmitted replica=${this.name} after_ms=${afterMs}`,
        );
      }
      this.#outSince = undefined;
    } else {
      if (from === 'healthy') this.#outSince = now;
      const detail = {
        db_routing: 'replica_ejected',
        ...fields,
        reason,
        ...(reason === 'probe_failed' || reason === 'connection_error'
          ? { exception_type: this.#lastError }
          : {}),
        ...(reason === 'replica_lagging' ? { lag_ms: this.#lagMs, lag_bytes: this.#lagBytes } : {}),
      };
      const message = `db_routing_replica_ejected replica=${this.name} reason=${reason}`;
      // A server that is not a replica is a configuration error, not weather.
      if (next === 'not_a_replica')
        (this.#logger?.error ?? this.#logger?.warn)?.call(this.#logger, detail, message);
      else this.#logger?.warn(detail, message);
    }
    if (replicaStateChannel.hasSubscribers || this.#onChange) {
      const event: ReplicaStateEvent = {
        replica: this.name,
        from,
        to: next,
        reason,
        at: now,
        lagMs: this.#lagMs,
        lagBytes: this.#lagBytes,
      };
      this.#onChange?.(event);
      if (replicaStateChannel.hasSubscribers) replicaStateChannel.publish(event);
    }
  }
}
