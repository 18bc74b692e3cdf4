/**
 * The peers benchmark's measurement at many clients (bench/support/phased.ts): the floor and a peer take turns in
 * phases, each phase timed while all its callers are busy, and the pairs of phases read as the one-client
 * interleaving reads its cycles.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Peer } from '../bench/support/paired-runs.ts';
import { alternatePhases, interleavePhases, perCallerFor, phase } from '../bench/support/phased.ts';

/** A peer whose statements take `ms` each, whatever else runs (a timer), counting its calls. */
function timedPeer(name: string, ms: number): Peer & { calls: number } {
  const peer = {
    name,
    expected: 'replica' as const,
    calls: 0,
    run: async () => {
      peer.calls++;
      await sleep(ms);
    },
  };
  return peer;
}

describe('phase', () => {
  it('times the statements while every caller is busy: callers in parallel divide the time per statement', async () => {
    const peer = timedPeer('p', 4);
    const msPerStatement = await phase(peer, 'point', 8, 5, () => 1);
    assert.equal(peer.calls, 40, 'every caller runs its statements');
    // 8 callers of 4 ms statements: about 0.5 ms per statement. Timers run late, never early, and later on a loaded
    // machine: the bounds leave room for that, not for callers that would wait for each other (4 ms).
    assert.ok(msPerStatement > 0.35 && msPerStatement < 2, `${msPerStatement} ms per statement`);
    const slower = await phase(timedPeer('q', 20), 'point', 8, 5, () => 1);
    assert.ok(slower > msPerStatement * 2, `${slower} against ${msPerStatement}`);
  });

  it('is NaN when a statement failed', async () => {
    let n = 0;
    const failing: Peer = {
      name: 'f',
      expected: 'replica',
      run: async () => {
        if (++n === 3) throw new Error('failed');
      },
    };
    assert.ok(Number.isNaN(await phase(failing, 'point', 2, 4, () => 1)));
  });
});

describe('alternatePhases', () => {
  it('alternates the floor and the peer, in both orders, one phase of each per pair', async () => {
    const calls: string[] = [];
    const peer = (name: string): Peer => ({
      name,
      expected: 'replica',
      run: async () => {
        calls.push(name);
        await sleep(1);
      },
    });
    const [floorTimes, peerTimes] = await alternatePhases(peer('floor'), peer('peer'), 'point', {
      concurrency: 2,
      perCaller: 4,
      ms: 400,
      rows: 100,
    });
    assert.ok(floorTimes.length > 10, `${floorTimes.length} pairs`);
    assert.equal(peerTimes.length, floorTimes.length);
    // A phase is 2 × 4 calls of one peer alone; a pair is one phase of each, in either order.
    assert.equal(calls.length % 16, 0);
    const orders = new Set<string>();
    for (let p = 0; p < calls.length; p += 16) {
      const [first, second] = [calls.slice(p, p + 8), calls.slice(p + 8, p + 16)];
      assert.equal(new Set(first).size, 1, 'a phase runs one peer');
      assert.equal(new Set(second).size, 1, 'a phase runs one peer');
      assert.notEqual(first[0], second[0], 'a pair has a phase of each');
      orders.add(`${first[0]}>${second[0]}`);
    }
    assert.equal(orders.size, 2, 'both orders');
  });
});

describe('interleavePhases', () => {
  it('reads a peer four times as slow as the floor at about a quarter of its throughput, per workload and concurrency', async () => {
    const lines: string[] = [];
    const floor = timedPeer('floor', 1);
    const rows = await interleavePhases([floor, timedPeer('slow', 4), timedPeer('same', 1)], {
      concurrencies: [4, 8],
      perPhase: { point: 32, endpoint: 16 },
      ms: 600,
      rows: 100,
      log: (line) => lines.push(line),
    });
    assert.deepEqual(
      rows.map((r) => `${r.workload} ${r.concurrency} ${r.peer} ${r.perCaller}`),
      [
        'point 4 slow 8',
        'point 4 same 8',
        'point 8 slow 4',
        'point 8 same 4',
        'endpoint 4 slow 4',
        'endpoint 4 same 4',
        'endpoint 8 slow 4',
        'endpoint 8 same 4',
      ],
    );
    for (const r of rows) {
      // About 0.25; late timers (a loaded machine) add to both and pull it towards 1.
      if (r.peer === 'slow') assert.ok(r.ratioMedian > 0.1 && r.ratioMedian < 0.75, `slow: ${r.ratioMedian}`);
      else assert.ok(r.ratioMedian > 0.7 && r.ratioMedian < 1.4, `same: ${r.ratioMedian}`);
      // (No interval when a loaded machine allowed too few pairs for one.)
      if (!Number.isNaN(r.ratioLow)) assert.ok(r.ratioLow <= r.ratioMedian && r.ratioMedian <= r.ratioHigh);
      assert.equal(r.errors, 0);
    }
    assert.equal(lines.length, 4, 'a line per workload and concurrency');
  });

  it('gives each caller at least four statements a phase', () => {
    assert.equal(perCallerFor(256, 16), 16);
    assert.equal(perCallerFor(256, 64), 4);
    assert.equal(perCallerFor(64, 64), 4);
    assert.equal(perCallerFor(64, 16), 4);
  });
});
