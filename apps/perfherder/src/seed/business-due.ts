const DAY = 86_400;

function isoWeekday(seconds: number): number {
  const day = new Date(seconds * 1000).getUTCDay();
  return day === 0 ? 7 : day;
}

/**
 * The reference's `calculate_time_to`: `days` business days after `created` (Unix seconds, UTC), used
 * for an alert summary's triage (2) and bug (4) due dates. Time of day is kept.
 */
export function businessDue(created: number, days: number): number {
  let t = created;
  const start = isoWeekday(t);
  if (start === 6) t += 2 * DAY;
  else if (start === 7) t += DAY;
  const w = isoWeekday(t);
  const sum = w + days;
  if (sum < 6) t += days * DAY;
  else if (sum <= 7) t += (days + 2) * DAY;
  else t += (days + Math.floor(sum / 7) * 2) * DAY;
  const end = isoWeekday(t);
  if (end === 6) t += 2 * DAY;
  else if (end === 7) t += DAY;
  return t;
}
