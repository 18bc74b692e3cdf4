import { type CausalRequest, createCausalRequest } from '../causal/causal-request.ts';
import { type InvalidTokenReason, invalidTokenReasons, type TokenCheck } from '../causal/causal-token.ts';
import type { ConsistencyLevel } from '../causal/consistency-level.ts';
import type { TokenCodec } from '../causal/token-codec.ts';
import { laterWalPosition, parseWalPosition, type WalPosition } from '../wal/wal-position.ts';
import { askReplayPosition } from './ask-replay-position.ts';
import type { ReplicaSet } from './replica-set.ts';
import type { PrimaryRunner } from './statement-dispatcher.ts';

/**
 * The primary's WAL insert position: at or past the end of every commit record already inserted, so past
 * every transaction that has committed, also under `synchronous_commit = off` (where the written position
 * can still be behind a commit the client has seen).
 */
export const CAPTURE_SQL =
  'SELECT /* replica-router causal capture */ pg_current_wal_insert_lsn()::text AS lsn';

/** Token counters for `pool.stats()` and metrics. */
export interface CausalTokenCounts {
  /** Tokens issued (writes, monotonic refreshes, `captureCausalToken`). */
  issued: number;
  /** Presented tokens that verified. */
  accepted: number;
  /** Presented tokens that were ignored, by reason. */
  readonly invalid: Record<InvalidTokenReason, number>;
  /** Reads of the primary's position after a write (or a monotonic read on the primary). */
  primaryCaptures: number;
  /** Reads of a replica's replay position to refresh a monotonic token. */
  replicaCaptures: number;
  /** Responses left without a token because the position could not be read. */
  captureFailures: number;
}

/**
 * The pool's side of causal consistency: checking presented tokens (counting the invalid ones, which are
 * ignored) and, at the end of a request, the token its response carries: the primary's position after a write,
 * and under `monotonic` a position at least as new as every state the request read.
 */
export class CausalTokens {
  readonly level: ConsistencyLevel;
  readonly counts: CausalTokenCounts = {
    issued: 0,
    accepted: 0,
    invalid: Object.fromEntries(invalidTokenReasons.map((r) => [r, 0])) as Record<InvalidTokenReason, number>,
    primaryCaptures: 0,
    replicaCaptures: 0,
    captureFailures: 0,
  };
  readonly #codec: TokenCodec;
  readonly #primary: PrimaryRunner;
  readonly #replicas: ReplicaSet;

  constructor(options: {
    level: ConsistencyLevel;
    codec: TokenCodec;
    primary: PrimaryRunner;
    replicas: ReplicaSet;
  }) {
    this.level = options.level;
    this.#codec = options.codec;
    this.#primary = options.primary;
    this.#replicas = options.replicas;
  }

  /** Token lifetime, for the cookie's Max-Age. */
  get ttlMs(): number {
    return this.#codec.ttlMs;
  }

  /** Verifies a presented token; an invalid one is counted and reported, never thrown. */
  check(presented: string): TokenCheck {
    const check = this.#codec.verify(presented);
    if (check.ok) this.counts.accepted++;
    else this.counts.invalid[check.reason]++;
    return check;
  }

  /**
   * The causal state of a request at `level` (the pool's unless a route overrides it), given the token it
   * presented (header or cookie), if any. Undefined at `eventual`: such a request neither reads nor issues
   * tokens.
   */
  open(level: ConsistencyLevel = this.level, presented?: string): CausalRequest | undefined {
    if (level === 'eventual') return undefined;
    return createCausalRequest(level, presented === undefined ? undefined : this.check(presented));
  }

  /** A token for the primary's current position: everything committed so far is at or before it. */
  async capture(): Promise<string> {
    const token = this.#codec.issue(await this.#capturePrimary());
    this.counts.issued++;
    return token;
  }

  /**
   * Whether a finished request may owe its response a token (else `finish` has nothing to do): it wrote, or at
   * `monotonic` it read. Cheap and synchronous, so the common read at `read_your_writes` costs no await.
   */
  owes(causal: CausalRequest, wrote: boolean): boolean {
    return wrote || (causal.level === 'monotonic' && (causal.touchedPrimary || causal.servedBy.size > 0));
  }

  /**
   * The token a finished request's response carries, or undefined when it needs none: at
   * `read_your_writes`, only after a write; at `monotonic`, also after reads, at a position each server it
   * read from had reached after reading (an upper bound of what it saw). Never lower than the presented token.
   * Never throws: a position that cannot be read leaves the response without a new token (counted).
   */
  async finish(causal: CausalRequest, wrote: boolean): Promise<string | undefined> {
    if (!this.owes(causal, wrote)) return undefined;
    try {
      const positions: WalPosition[] = [];
      let needPrimary = wrote || (causal.level === 'monotonic' && causal.touchedPrimary);
      if (causal.level === 'monotonic') {
        for (const name of causal.servedBy) {
          const member = this.#replicas.byName(name);
          const position = member
            ? await askReplayPosition(member, this.#replicas.probeTimeoutMs)
            : undefined;
          this.counts.replicaCaptures++;
          // Without the replica's word, the primary's position bounds what it can have shown.
          if (position === undefined) needPrimary = true;
          else positions.push(position);
        }
      }
      if (needPrimary) positions.push(await this.#capturePrimary());
      if (positions.length === 0) return undefined;
      const newest = positions.reduce<WalPosition | undefined>(laterWalPosition, undefined)!;
      const required = causal.required;
      if (required !== undefined && newest <= required && !wrote) return undefined;
      const position = laterWalPosition(newest, required)!;
      this.counts.issued++;
      return this.#codec.issue(position);
    } catch {
      this.counts.captureFailures++;
      return undefined;
    }
  }

  async #capturePrimary(): Promise<WalPosition> {
    this.counts.primaryCaptures++;
    const { rows } = await this.#primary(CAPTURE_SQL, undefined);
    const position = parseWalPosition((rows[0] as { lsn?: string } | undefined)?.lsn);
    if (position === undefined) throw new Error('the primary returned no WAL position');
    return position;
  }
}
