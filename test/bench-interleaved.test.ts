/**
 * The peers benchmark's one-client interleaving (bench/support/interleaved.ts): every cycle runs each peer once in a
 * shuffled order, and the summary reads each peer's ratio to the floor from the batches of cycles.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interleave, interleaveOneClient, summariseInterleaved } from '../bench/support/interleaved.ts';
import type { Peer } from '../bench/support/paired-runs.ts';

const names = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `peer ${i}`, expected: 'replica' as const }));

describe('interleave', () => {
  it('runs every peer once per cycle, in orders that change from cycle to cycle', async () => {
    const calls: number[] = [];
    const peers: Peer[] = names(4).map((p, i) => ({
      ...p,
      run: async () => {
        calls.push(i);
        if (i === 2) throw new Error('peer 2 fails');
      },
    }));
    const latencies = await interleave(peers, 'point', 60, 100);
    const cycles = latencies[0]?.length ?? 0;
    assert.ok(cycles > 10, `${cycles} cycles`);
    for (const own of latencies) assert.equal(own.length, cycles);
    assert.ok(
      latencies[2]?.every((x) => Number.isNaN(x)),
      'a failed statement is NaN',
    );
    assert.ok(
      latencies[1]?.every((x) => x >= 0),
      'the others are timed',
    );
    // The calls, warm-up included, are whole cycles: each a permutation of the four peers.
    assert.equal(calls.length % 4, 0);
    const orders = new Set<string>();
    for (let c = 0; c < calls.length; c += 4) {
      const cycle = calls.slice(c, c + 4);
      assert.deepEqual([...cycle].sort(), [0, 1, 2, 3]);
      orders.add(cycle.join(''));
    }
    assert.ok(orders.size > 5, `${orders.size} distinct orders`);
  });
});

describe('interleaveOneClient', () => {
  it('runs all peers together, then each with the floor alone, on both workloads', async () => {
    // Each call with the phase it ran in: the log marks the end of each (all peers on the point query, then on the
    // endpoint statement, then the pairs on each).
    const lines: string[] = [];
    const calls: { phase: number; workload: string; peer: number }[] = [];
    const peers: Peer[] = names(3).map((p, i) => ({
      ...p,
      run: async (workload) => {
        calls.push({ phase: lines.length, workload, peer: i });
        await new Promise((resolve) => setImmediate(resolve));
      },
    }));
    const { all, pairs } = await interleaveOneClient(peers, {
      ms: 200,
      pairMs: 150,
      rows: 100,
      log: (line) => lines.push(line),
    });
    assert.equal(lines.length, 4);
    assert.deepEqual(
      all.map((r) => `${r.workload}:${r.peer}`),
      ['point', 'endpoint'].flatMap((w) => ['peer 0', 'peer 1', 'peer 2'].map((n) => `${w}:${n}`)),
    );
    // A pair row for every peer but the floor.
    assert.deepEqual(
      pairs.map((r) => `${r.workload}:${r.peer}`),
      ['point:peer 1', 'point:peer 2', 'endpoint:peer 1', 'endpoint:peer 2'],
    );
    for (const [phase, workload] of ['point', 'endpoint', 'point', 'endpoint'].entries()) {
      const own = calls.filter((c) => c.phase === phase);
      assert.ok(own.every((c) => c.workload === workload));
      const last1 = own.map((c) => c.peer).lastIndexOf(1);
      const first2 = own.map((c) => c.peer).indexOf(2);
      if (phase < 2) assert.ok(first2 < last1, 'all peers: peer 2 runs between runs of peer 1');
      else assert.ok(last1 < first2, 'pairs: peer 1 with the floor, then peer 2 with the floor');
    }
  });

  it('needs the floor first', async () => {
    await assert.rejects(interleaveOneClient([], { ms: 10, pairMs: 10, rows: 10, log: () => {} }), /floor/);
  });
});

describe('summariseInterleaved', () => {
  // The floor at 200 µs with a slow drift up to 400 µs; peer 1 the floor's time plus a quarter, peer 2 the same as
  // the floor with every tenth statement failing.
  const cycles = 4000;
  const floor = Array.from({ length: cycles }, (_, c) => 0.2 + (0.2 * c) / cycles);
  const latencies = [floor, floor.map((x) => x * 1.25), floor.map((x, c) => (c % 10 === 0 ? Number.NaN : x))];
  const rows = summariseInterleaved('point', names(3), latencies, 40);

  it('reads the floor over the peer, batch by batch, despite the drift', () => {
    assert.equal(rows[0]?.ratioMedian, 1);
    assert.equal(rows[1]?.ratioMedian, 0.8);
    assert.equal(rows[1]?.ratioLow, 0.8);
    assert.equal(rows[1]?.ratioHigh, 0.8);
    assert.ok((rows[1]?.coverage ?? 0) >= 0.95);
    assert.equal(rows[2]?.ratioMedian, 1);
  });

  it('tells the µs added per statement, the mean latency, the cycles and the failures', () => {
    // Batch 20 of 40 is around the middle of the drift: 0.3 ms, a quarter more is +75 µs.
    assert.ok(Math.abs((rows[1]?.addedMicrosMedian ?? 0) - 75) < 1, String(rows[1]?.addedMicrosMedian));
    assert.equal(rows[0]?.meanMicros, 300);
    assert.equal(rows[1]?.meanMicros, 375);
    assert.equal(rows[1]?.cycles, cycles);
    assert.equal(rows[2]?.errors, cycles / 10);
    assert.equal(rows[1]?.errors, 0);
  });

  it('lets no single hiccup decide a batch: a few very slow statements of a peer leave its ratio', () => {
    // Peer 1: the floor's times with one statement in fifty held up by 100 ms (2 % of each batch of 100).
    const spiky = floor.map((x, c) => (c % 50 === 7 ? x + 100 : x));
    const [, spikes] = summariseInterleaved('point', names(2), [floor, spiky], 40);
    assert.equal(spikes?.ratioMedian, 1);
    // Without the trim, the same spikes halve and more its ratio.
    const [, untrimmed] = summariseInterleaved('point', names(2), [floor, spiky], 40, 0);
    assert.ok((untrimmed?.ratioMedian ?? 1) < 0.2, String(untrimmed?.ratioMedian));
  });

  it('needs at least one cycle per batch', () => {
    assert.throws(
      () => summariseInterleaved('point', names(2), [[0.2], [0.3]], 40),
      /1 cycles: fewer than the 40/,
    );
  });
});
