/** Options of the alert-summary and alert GET routes. */
export interface AlertReadOptions {
  /**
   * Opt the GETs into replica reads (`READ_REPLICA_ALERT_READS`). Safe only at `read_your_writes` or
   * `monotonic`: a sheriff's causal token then keeps their own triage visible to them. Default false: on the
   * primary, as in the reference.
   */
  readonly replicaReads?: boolean;
}
