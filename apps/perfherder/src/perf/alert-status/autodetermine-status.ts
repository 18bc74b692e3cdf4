import { AlertStatus, SummaryStatus } from './statuses.ts';

/** What the rules need to know about one alert of the summary (own, or related to it). */
export interface StatusAlert {
  readonly id: number;
  readonly status: number;
  readonly isRegression: boolean;
  readonly relatedSummaryId: number | null;
}

/** The summary the rules run for. */
export interface StatusSummary {
  readonly id: number;
  readonly status: number;
}

/** The outcome: the summary's new status and the alerts rule 3 sends back to Untriaged. */
export interface StatusDecision {
  readonly status: number;
  /** Acknowledged alerts that must become Untriaged (rule 3); empty otherwise. */
  readonly untriageAlertIds: readonly number[];
}

/** Summary statuses a human chose after acknowledging a regression; rule 7 keeps them. */
const RESOLVED = new Set<number>([
  SummaryStatus.Improvement,
  SummaryStatus.Investigating,
  SummaryStatus.WontFix,
  SummaryStatus.Fixed,
  SummaryStatus.BackedOut,
]);

const decide = (status: number): StatusDecision => ({ status, untriageAlertIds: [] });

/**
 * The reference's `PerformanceAlertSummary.autodetermine_status` as a pure function. `alerts` are the
 * summary's own alerts and those whose `related_summary` is the summary. Rule 3 in the reference saves
 * alerts as a side effect; here it is returned as `untriageAlertIds` for the caller to apply.
 *
 * @example
 * autodetermineStatus({ id: 1, status: 0 }, [{ id: 7, status: 4, isRegression: true, relatedSummaryId: null }]);
 * // { status: 5 (Investigating), untriageAlertIds: [] }
 */
export function autodetermineStatus(summary: StatusSummary, alerts: readonly StatusAlert[]): StatusDecision {
  // 1. No alerts.
  if (alerts.length === 0) return decide(SummaryStatus.Untriaged);
  // 2. Any alert untriaged.
  if (alerts.some((a) => a.status === AlertStatus.Untriaged)) return decide(SummaryStatus.Untriaged);
  // 3. An improvement summary that received a reassigned regression is triaged again.
  if (
    summary.status === SummaryStatus.Improvement &&
    alerts.some((a) => a.status === AlertStatus.Reassigned && a.isRegression)
  ) {
    return {
      status: SummaryStatus.Untriaged,
      untriageAlertIds: alerts.filter((a) => a.status === AlertStatus.Acknowledged).map((a) => a.id),
    };
  }
  // 4-6. Everything invalid and/or infra.
  if (alerts.every((a) => a.status === AlertStatus.Invalid)) return decide(SummaryStatus.Invalid);
  if (alerts.every((a) => a.status === AlertStatus.Infra)) return decide(SummaryStatus.Infra);
  const dropped = (a: StatusAlert) => a.status === AlertStatus.Invalid || a.status === AlertStatus.Infra;
  if (alerts.every(dropped)) return decide(SummaryStatus.Invalid);
  // 7. Acknowledged alerts: improvement, investigating, or a status a human already chose.
  const remaining = alerts.filter((a) => !dropped(a));
  if (remaining.some((a) => a.status === AlertStatus.Acknowledged)) {
    const regressionCounts = remaining.some(
      (a) =>
        a.isRegression &&
        (a.status === AlertStatus.Acknowledged ||
          (a.status === AlertStatus.Reassigned && a.relatedSummaryId === summary.id)),
    );
    if (!regressionCounts) return decide(SummaryStatus.Improvement);
    if (!RESOLVED.has(summary.status)) return decide(SummaryStatus.Investigating);
    return decide(summary.status);
  }
  // 8-9.
  if (remaining.some((a) => a.status === AlertStatus.Reassigned)) return decide(SummaryStatus.Reassigned);
  return decide(SummaryStatus.Downstream);
}
