/**
 * When a replica statement also runs on the primary. Every field has a default (see {@link defaultHedgePolicy}).
 */
export interface HedgePolicy {
  /**
   * A fixed hedge delay in ms, or undefined for the adaptive one (from the replica's recent latency). 0 turns
   * hedging off: replica statements then run exactly as without it (no timer, no extra connection).
   */
  readonly fixedMs: number | undefined;
  /** Lowest adaptive delay: below it a hedge would mostly race the network, not a sick replica. */
  readonly floorMs: number;
  /** Highest adaptive delay: a slow replica never costs a request more than this before the primary starts. */
  readonly capMs: number;
  /**
   * Share of a replica's statements over the budget window that may be hedged. A hedge past it ejects the
   * replica (`hedge_budget`): its reads then go to the primary once, instead of twice.
   */
  readonly budget: number;
}

/** The adaptive delay is this many times the replica's p95 latency (clamped to floor and cap). */
export const hedgeLatencyFactor = 2;

/** Statement latencies kept per replica for the p95 (the most recent ones). */
export const hedgeLatencySamples = 256;

/** Samples needed before the p95 is trusted; until then the delay is the cap. */
export const hedgeMinSamples = 20;

/** Statement shapes (SQL texts) whose latencies are kept, least recently used first out. */
export const hedgeShapes = 1000;

/** Latencies kept per shape (the most recent ones). */
export const hedgeShapeSamples = 32;

/**
 * Samples of a shape needed before its own p95 sets its delay; until then the replica-wide delay applies. One: a
 * heavy statement's first run alone tells what it costs (3 sent its first three runs to the primary as well:
 * 6.7-7.9 % of routing off's primary read CPU in the offload benchmark against 0.1-0.4 %).
 */
export const hedgeShapeMinSamples = 1;

/** SQL longer than this gets no shape window (the replica-wide delay): a huge text is no key to keep. */
export const hedgeShapeMaxSqlLength = 2000;

/** The budget counts statements and hedges over this sliding window. */
export const hedgeBudgetWindowMs = 10_000;

/** Hedges always allowed per window, whatever the share: a quiet replica is not ejected for one slow read. */
export const hedgeBudgetBurst = 3;

/**
 * How long the loser of a race may take to acknowledge its cancel (the cancel request, then the statement's
 * end) before its connection is destroyed instead of returned to its pool.
 */
export const hedgeCancelTimeoutMs = 1000;

export const defaultHedgePolicy: HedgePolicy = {
  fixedMs: undefined,
  floorMs: 20,
  capMs: 250,
  budget: 0.1,
};
