import type { RoutedPoolStats } from 'replica-router';
import type { RoutingHistorySnapshot } from 'replica-router/status';

/** What the status page draws: `/api/status/routing/` and `/api/status/routing/history/`, as JSON. */
export interface StatusModel {
  readonly routing: RoutedPoolStats;
  readonly history: RoutingHistorySnapshot;
  /** The last poll failed: the page shows the last good status and says so. */
  readonly stale?: boolean;
}

export interface PollOptions {
  readonly initial: StatusModel;
  readonly routingUrl: string;
  readonly historyUrl: string;
  readonly pollMs: number;
}

export function escapeHtml(value: unknown): string;
export function formatMs(ms: number | null | undefined): string;
export function renderStatus(model: StatusModel): string;
export function startStatusPage(options: PollOptions): void;
