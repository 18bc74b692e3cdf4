/**
 * The hedge delay policy (no database: which delay a statement gets from the latencies recorded so far).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultHedgePolicy,
  hedgeShapeMaxSqlLength,
  hedgeShapeMinSamples,
} from '../../src/hedge/hedge-policy.ts';
import { HedgeWatchdog } from '../../src/hedge/hedge-watchdog.ts';
import { Hedger } from '../../src/hedge/hedger.ts';
import { ManualClock } from '../support/manual-clock.ts';

const FAST = 'SELECT * FROM performance_framework WHERE id = $1';
const HEAVY = 'SELECT * FROM performance_datum WHERE signature_id = $1 ORDER BY push_timestamp';

function warmReplica(hedger: Hedger, ms: number): void {
  for (let i = 0; i < 40; i++) hedger.recordLatency('replica_1', ms, FAST);
}

describe('hedge delay per statement shape', () => {
  it('a shape without history gets the replica-wide delay (2 × p95 within floor and cap; the cap at first)', () => {
    const hedger = new Hedger(defaultHedgePolicy, new ManualClock());
    assert.equal(hedger.delayMs('replica_1', HEAVY), defaultHedgePolicy.capMs);
    warmReplica(hedger, 5);
    assert.equal(hedger.delayMs('replica_1', HEAVY), defaultHedgePolicy.floorMs);
    warmReplica(hedger, 40);
    assert.equal(hedger.delayMs('replica_1', 'SELECT 1'), 80);
  });

  it('a shape with history gets 2 × its own p95, at least the floor and with no cap', () => {
    const hedger = new Hedger(defaultHedgePolicy, new ManualClock());
    warmReplica(hedger, 5);
    for (let i = 0; i < hedgeShapeMinSamples - 1; i++) hedger.recordLatency('replica_1', 400, HEAVY);
    assert.equal(hedger.delayMs('replica_1', HEAVY), defaultHedgePolicy.floorMs, 'not enough samples yet');
    hedger.recordLatency('replica_1', 400, HEAVY);
    assert.equal(
      hedger.delayMs('replica_1', HEAVY),
      800,
      'past the 250 ms cap: a heavy statement is not hedged',
    );
    assert.equal(hedger.delayMs('replica_1', FAST), defaultHedgePolicy.floorMs, 'fast shapes keep the floor');
    assert.equal(hedger.stats([{ name: 'replica_1', watchdog: new HedgeWatchdog() }]).shapes, 2);
  });

  it('the primary’s time of a hedged statement counts for its shape, not for the replica', () => {
    const hedger = new Hedger(defaultHedgePolicy, new ManualClock());
    for (let i = 0; i < hedgeShapeMinSamples; i++) hedger.recordShape(HEAVY, 300);
    assert.equal(hedger.delayMs('replica_1', HEAVY), 600);
    assert.equal(
      hedger.stats([{ name: 'replica_1', watchdog: new HedgeWatchdog() }]).replicas[0]?.p95Ms,
      undefined,
      'no replica sample',
    );
  });

  it('a fixed delay wins; very long SQL gets no shape window', () => {
    const fixed = new Hedger({ ...defaultHedgePolicy, fixedMs: 75 }, new ManualClock());
    for (let i = 0; i < 5; i++) fixed.recordShape(HEAVY, 400);
    assert.equal(fixed.delayMs('replica_1', HEAVY), 75);
    const hedger = new Hedger(defaultHedgePolicy, new ManualClock());
    const long = `SELECT 1 /* ${'x'.repeat(hedgeShapeMaxSqlLength)} */`;
    for (let i = 0; i < 5; i++) hedger.recordShape(long, 400);
    assert.equal(hedger.stats([]).shapes, 0);
    assert.equal(hedger.delayMs('replica_1', long), defaultHedgePolicy.capMs);
  });
});
