import type { CausalRequest } from '../causal/causal-request.ts';
import type { Clock } from '../health/clock.ts';
import type { RouteReason } from '../router/route-reason.ts';
import { type WalPosition, walPositionCovers } from '../wal/wal-position.ts';
import { askReplayPosition } from './ask-replay-position.ts';
import type { ReplicaMember, ReplicaSet } from './replica-set.ts';

/** Where a read goes: a replica (`routed`), or the primary with the reason. */
export type Choice =
  | { readonly reason: 'routed'; readonly replica: ReplicaMember }
  | { readonly reason: RouteReason; readonly replica?: undefined };

/** A reason a statement goes to the primary. */
export type PrimaryReason = Exclude<RouteReason, 'routed'>;

const primary = (reason: PrimaryReason): Choice => Object.freeze({ reason });

/**
 * The choice that sends a statement to the primary, by reason: one frozen object each, so that deciding allocates
 * nothing (a read routed to a replica gets its member's {@link ReplicaMember.routed}).
 */
export const toPrimary: Readonly<Record<PrimaryReason, Choice>> = {
  routing_disabled: primary('routing_disabled'),
  not_in_scope: primary('not_in_scope'),
  write: primary('write'),
  unknown_statement: primary('unknown_statement'),
  in_transaction: primary('in_transaction'),
  session_state: primary('session_state'),
  table_not_allowed: primary('table_not_allowed'),
  replica_down: primary('replica_down'),
  replica_lagging: primary('replica_lagging'),
  not_a_replica: primary('not_a_replica'),
  causal_behind: primary('causal_behind'),
  fallback: primary('fallback'),
  hedged: primary('hedged'),
  conflict_retry: primary('conflict_retry'),
  after_write: primary('after_write'),
};

/** Counters of the causal checks. */
export interface CatchUpCounts {
  /** Reads whose token the probes' positions already satisfied. */
  satisfiedByProbe: number;
  /** Reads for which replicas were asked their replay position directly. */
  asked: number;
  /** …and one had replayed the token: served by it. */
  caughtUp: number;
  /** Reads that waited (`catchUpWaitMs`) and were served by a replica in time. */
  waited: number;
  /** Reads sent to the primary because no healthy replica had replayed the token. */
  behind: number;
}

export interface ReplicaChooserOptions {
  /** Ask the replicas directly when the probes' positions are behind a token. */
  readonly askReplica: boolean;
  /** How long a read may wait for a replica to replay its token before it goes to the primary. */
  readonly catchUpWaitMs: number;
  /**
   * How long one round waits for the replicas' answers before the read gives up on them (at most the probe
   * timeout, which bounds each question and ejects a replica that does not answer).
   */
  readonly answerWaitMs: number;
  readonly clock: Clock;
}

/** Whether `member` has certainly replayed `required`, as far as known. */
function covers(member: ReplicaMember, required: WalPosition): boolean {
  const replay = member.health.replayPosition;
  return replay !== undefined && walPositionCovers(replay, required);
}

/** Whether `member` may still take a read (it may have been ejected or left the set while it was asked). */
function usable(member: ReplicaMember): boolean {
  return member.health.routable && !member.draining;
}

/** Between two asks while waiting for a replica to catch up. */
const POLL_MS = 10;

/**
 * Picks the replica for a read of a request in scope: a healthy one; under a causal token, one that has
 * certainly replayed it (the probes' position is a lower bound; when it is behind, the replicas are asked,
 * and with a wait, asked again until the deadline); under `monotonic`, the replica the request already
 * read from. Synchronous whenever no replica has to be asked.
 */
export class ReplicaChooser {
  readonly counts: CatchUpCounts = { satisfiedByProbe: 0, asked: 0, caughtUp: 0, waited: 0, behind: 0 };
  readonly #replicas: ReplicaSet;
  readonly #options: ReplicaChooserOptions;
  /** One ask per replica at a time; readers needing a position arrive while it runs join it. */
  readonly #asking = new Map<ReplicaMember, Promise<WalPosition | undefined>>();

  constructor(replicas: ReplicaSet, options: ReplicaChooserOptions) {
    this.#replicas = replicas;
    this.#options = options;
  }

  choose(causal: CausalRequest | undefined): Choice | Promise<Choice> {
    if (causal?.pinned !== undefined) {
      const pinned = this.#replicas.byName(causal.pinned);
      if (pinned?.health.routable) return pinned.routed;
      // What the request already read is newer than any other replica is known to be: the primary.
      return pinned?.health.state === 'lagging' ? toPrimary.replica_lagging : toPrimary.replica_down;
    }
    const routable = this.#replicas.routable();
    if (routable.length === 0) return toPrimary[this.#replicas.unroutableReason()];
    const required = causal?.required;
    if (required === undefined) return this.#routed(routable);
    const caught = routable.filter((m) => covers(m, required));
    if (caught.length > 0) {
      this.counts.satisfiedByProbe++;
      return this.#routed(caught);
    }
    if (!this.#options.askReplica && this.#options.catchUpWaitMs <= 0) return this.#behind();
    return this.#catchUp(routable, required);
  }

  /**
   * Another replica for a statement `failed` could not serve (a recovery conflict): healthy, not `failed`, and
   * under a causal token one the probes know has replayed it (no asking: the retry must not wait). Undefined
   * when there is none, or when the request is pinned (`monotonic`) to the replica that failed.
   */
  alternative(causal: CausalRequest | undefined, failed: ReplicaMember): ReplicaMember | undefined {
    if (causal?.pinned !== undefined) return undefined;
    const required = causal?.required;
    const candidates = this.#replicas
      .routable()
      .filter((m) => m !== failed && (required === undefined || covers(m, required)));
    return candidates.length > 0 ? this.#replicas.pick(candidates) : undefined;
  }

  #routed(candidates: readonly ReplicaMember[]): Choice {
    const replica = this.#replicas.pick(candidates);
    return replica ? replica.routed : toPrimary.replica_down;
  }

  #behind(): Choice {
    this.counts.behind++;
    return toPrimary.causal_behind;
  }

  async #catchUp(candidates: readonly ReplicaMember[], required: WalPosition): Promise<Choice> {
    const { clock, catchUpWaitMs } = this.#options;
    const deadline = clock.now() + catchUpWaitMs;
    this.counts.asked++;
    for (let round = 0; ; round++) {
      const caught = await this.#firstCaughtUp(candidates, required);
      if (caught) {
        if (round === 0) this.counts.caughtUp++;
        else this.counts.waited++;
        return this.#routed([caught]);
      }
      const left = deadline - clock.now();
      if (left <= 0 || !candidates.some(usable)) return this.#behind();
      await new Promise<void>((resolve) => clock.setTimeout(resolve, Math.min(POLL_MS, left)));
    }
  }

  /**
   * Asks every candidate at once and settles with the first that answers having replayed `required` (still
   * routable), or undefined once every ask has answered short, failed or timed out, or after `answerWaitMs`:
   * a frozen replica costs a token holder at most that, and never delays an answer from another one.
   */
  #firstCaughtUp(
    candidates: readonly ReplicaMember[],
    required: WalPosition,
  ): Promise<ReplicaMember | undefined> {
    return new Promise((resolve) => {
      let pending = candidates.length;
      if (pending === 0) return resolve(undefined);
      const giveUp = this.#options.clock.setTimeout(() => resolve(undefined), this.#options.answerWaitMs);
      this.#options.clock.unref?.(giveUp);
      const settle = (member: ReplicaMember | undefined) => {
        this.#options.clock.clearTimeout(giveUp);
        resolve(member);
      };
      for (const member of candidates) {
        void this.#ask(member, required).then(() => {
          if (usable(member) && covers(member, required)) settle(member);
          else if (--pending === 0) settle(undefined);
        });
      }
    });
  }

  /** Joins an ask already running; if it answers short of `required`, asks once more itself. */
  async #ask(member: ReplicaMember, required: WalPosition): Promise<void> {
    const running = this.#asking.get(member);
    if (running) {
      const answer = await running;
      if (answer !== undefined && walPositionCovers(answer, required)) return;
    }
    const ask = askReplayPosition(member, this.#replicas.probeTimeoutMs).finally(() => {
      if (this.#asking.get(member) === ask) this.#asking.delete(member);
    });
    this.#asking.set(member, ask);
    await ask;
  }
}
