import assert from 'node:assert/strict';
import { test } from 'node:test';
import { businessDue } from '../../src/seed/business-due.ts';

const at = (iso: string) => new Date(iso).getTime() / 1000;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

test('business days skip weekends and keep the time of day', () => {
  // 2024-01-01 is a Monday.
  assert.equal(iso(businessDue(at('2024-01-01T10:30:00Z'), 2)), '2024-01-03T10:30:00.000Z');
  assert.equal(iso(businessDue(at('2024-01-01T10:30:00Z'), 4)), '2024-01-05T10:30:00.000Z');
  // Thursday + 2 → Monday; Friday + 4 → Thursday.
  assert.equal(iso(businessDue(at('2024-01-04T08:00:00Z'), 2)), '2024-01-08T08:00:00.000Z');
  assert.equal(iso(businessDue(at('2024-01-05T08:00:00Z'), 4)), '2024-01-11T08:00:00.000Z');
  // Saturday and Sunday count from Monday.
  assert.equal(iso(businessDue(at('2024-01-06T12:00:00Z'), 2)), '2024-01-10T12:00:00.000Z');
  assert.equal(iso(businessDue(at('2024-01-07T12:00:00Z'), 4)), '2024-01-12T12:00:00.000Z');
});
