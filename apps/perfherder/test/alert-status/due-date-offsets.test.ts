import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dueDateOffsets } from '../../src/perf/alert-status/index.ts';
import { businessDue } from '../../src/seed/business-due.ts';

/*
 * business_due(created, n), the reference's calculate_time_to (spec 2.1):
 *   1. If created is Sat, move to Mon; if Sun, move to Mon.
 *   2. Let w = ISO weekday (Mon=1). If w+n < 6, add n days. Else if w+n ∈ {6,7}, add n+2.
 *      Else (w+n > 7) add n + floor((w+n)/7)*2.
 *   3. If the result lands on Sat, add 2; on Sun, add 1.
 * Time of day is kept.
 *
 * Worked by hand for the week of Monday 2024-01-01, created at 10:30:15.250 UTC:
 *   created      w   n=2: w+2 → days → due          n=4: w+4 → days → due
 *   Mon 01-01    1   3 <6  → +2 → Wed 01-03          5 <6   → +4 → Fri 01-05
 *   Tue 01-02    2   4 <6  → +2 → Thu 01-04          6      → +6 → Mon 01-08
 *   Wed 01-03    3   5 <6  → +2 → Fri 01-05          7      → +6 → Tue 01-09
 *   Thu 01-04    4   6     → +4 → Mon 01-08          8 >7   → 4+1·2 = +6 → Wed 01-10
 *   Fri 01-05    5   7     → +4 → Tue 01-09          9 >7   → 4+1·2 = +6 → Thu 01-11
 *   Sat 01-06    → Mon 01-08 (w=1): 3 → +2 → Wed 01-10;  5 → +4 → Fri 01-12
 *   Sun 01-07    → Mon 01-08 (w=1): 3 → +2 → Wed 01-10;  5 → +4 → Fri 01-12
 */
const TABLE = [
  { created: '2024-01-01', day: 'Mon', two: '2024-01-03', four: '2024-01-05' },
  { created: '2024-01-02', day: 'Tue', two: '2024-01-04', four: '2024-01-08' },
  { created: '2024-01-03', day: 'Wed', two: '2024-01-05', four: '2024-01-09' },
  { created: '2024-01-04', day: 'Thu', two: '2024-01-08', four: '2024-01-10' },
  { created: '2024-01-05', day: 'Fri', two: '2024-01-09', four: '2024-01-11' },
  { created: '2024-01-06', day: 'Sat', two: '2024-01-10', four: '2024-01-12' },
  { created: '2024-01-07', day: 'Sun', two: '2024-01-10', four: '2024-01-12' },
] as const;
const TIME = 'T10:30:15.250Z';

describe('business_due (calculate_time_to) for a created on every weekday', () => {
  for (const row of TABLE) {
    it(`${row.day} ${row.created}: n=2 → ${row.two}, n=4 → ${row.four} (time of day kept)`, () => {
      const created = Date.parse(`${row.created}${TIME}`) / 1000;
      assert.equal(new Date(businessDue(created, 2) * 1000).toISOString(), `${row.two}${TIME.slice(0, -1)}Z`);
      assert.equal(
        new Date(businessDue(created, 4) * 1000).toISOString(),
        `${row.four}${TIME.slice(0, -1)}Z`,
      );
      const offsets = dueDateOffsets(new Date(`${row.created}${TIME}`));
      const days = (to: string) => (Date.parse(to) - Date.parse(row.created)) / 86_400_000;
      assert.deepEqual(offsets, { triageDays: days(row.two), bugDays: days(row.four) });
    });
  }

  it('a created just before midnight stays on its own UTC day', () => {
    // Thu 23:59:59.999 UTC: still Thursday → n=2 gives Mon, n=4 gives Wed.
    assert.deepEqual(dueDateOffsets(new Date('2024-01-04T23:59:59.999Z')), { triageDays: 4, bugDays: 6 });
  });
});
