import { businessDue } from '../../seed/business-due.ts';

const DAY_SECONDS = 86_400;

/** How many whole days after `created` a summary's triage and bug due dates fall. */
export interface DueDateOffsets {
  readonly triageDays: number;
  readonly bugDays: number;
}

/**
 * The save hook's `triage_due_date = business_due(created, 2)` and `bug_due_date = business_due(created, 4)`
 * as whole-day offsets, so SQL can add them to the stored `created` without losing its microseconds.
 */
export function dueDateOffsets(created: Date): DueDateOffsets {
  const seconds = created.getTime() / 1000;
  const days = (n: number) => Math.round((businessDue(seconds, n) - seconds) / DAY_SECONDS);
  return { triageDays: days(2), bugDays: days(4) };
}
