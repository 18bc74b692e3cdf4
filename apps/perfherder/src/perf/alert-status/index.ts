export {
  autodetermineStatus,
  type StatusAlert,
  type StatusDecision,
  type StatusSummary,
} from './autodetermine-status.ts';
export { type DueDateOffsets, dueDateOffsets } from './due-date-offsets.ts';
export { inTransaction } from './in-transaction.ts';
export { type LockedSummary, lockSummaries } from './locked-summary.ts';
export { saveSummaryAssignments } from './save-summary-sql.ts';
export { AlertStatus, isRelationalStatus, SummaryStatus } from './statuses.ts';
export { updateSummaryStatus } from './update-summary-status.ts';
