/** `PerformanceAlertSummary` statuses (spec §2.1). */
export const SummaryStatus = {
  Untriaged: 0,
  Downstream: 1,
  Reassigned: 2,
  Invalid: 3,
  Improvement: 4,
  Investigating: 5,
  WontFix: 6,
  Fixed: 7,
  BackedOut: 8,
  Infra: 9,
} as const;
export type SummaryStatus = (typeof SummaryStatus)[keyof typeof SummaryStatus];

/** `PerformanceAlert` statuses (spec §2.1). Downstream and Reassigned are the relational ones. */
export const AlertStatus = {
  Untriaged: 0,
  Downstream: 1,
  Reassigned: 2,
  Invalid: 3,
  Acknowledged: 4,
  Infra: 5,
} as const;
export type AlertStatus = (typeof AlertStatus)[keyof typeof AlertStatus];

/** Statuses that require `related_summary_id`; every other status requires it to be null. */
export function isRelationalStatus(status: number): boolean {
  return status === AlertStatus.Downstream || status === AlertStatus.Reassigned;
}
