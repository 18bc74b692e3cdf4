/** How replicas are probed and judged. Every field has a default (see {@link defaultHealthPolicy}). */
export interface HealthPolicy {
  /** Time between two probes of one replica, before jitter (±{@link probeJitter}). */
  readonly probeMs: number;
  /**
   * A probe (connect and statement) that has not answered within this is a failure: the replica is ejected and
   * the probe's connection dropped. Also the probe's server-side `statement_timeout`.
   */
  readonly probeTimeoutMs: number;
  /** Lag (time) past which a replica gets no reads. 0 = no time limit. */
  readonly maxLagMs: number;
  /** Lag (WAL bytes not yet replayed) past which a replica gets no reads. 0 = no byte limit. */
  readonly maxLagBytes: number;
  /** Consecutive good probes an ejected replica (or one that was not a replica) needs before it gets reads again. */
  readonly readmitProbes: number;
}

/** Share of the limits a lagging replica must get back under before it gets reads again (hysteresis). */
export const lagRecoveryRatio = 0.5;

/** Probe intervals are spread uniformly over ±20 % so that many processes do not probe in step. */
export const probeJitter = 0.2;

export const defaultHealthPolicy: HealthPolicy = {
  probeMs: 1000,
  probeTimeoutMs: 1000,
  maxLagMs: 10_000,
  maxLagBytes: 16 * 1024 * 1024,
  readmitProbes: 2,
};
