// The built-in selectors on plain candidates (no database): what they pick, in what order, and from which
// figures. The real-cluster proof of the same is test/replica-selection.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  leastLagSelector,
  leastOutstandingSelector,
  type ReplicaCandidate,
  roundRobinSelector,
} from '../../src/index.ts';

interface Fake extends ReplicaCandidate {
  outstanding: number;
  health: { lagMs: number | undefined; lagBytes: number | undefined };
}

function replica(
  name: string,
  weight = 1,
  figures: Partial<{ outstanding: number; lagMs: number }> = {},
): Fake {
  return {
    ref: { name },
    weight,
    outstanding: figures.outstanding ?? 0,
    health: { lagMs: figures.lagMs, lagBytes: undefined },
  };
}

function picks(select: (c: readonly Fake[]) => Fake | undefined, candidates: Fake[], n: number): string {
  return Array.from({ length: n }, () => select(candidates)?.ref.name ?? '-').join('');
}

describe('round_robin', () => {
  test('equal weights: plain rotation in configuration order', () => {
    const s = roundRobinSelector();
    assert.equal(
      picks((c) => s.select(c), [replica('a'), replica('b'), replica('c')], 7),
      'abcabca',
    );
  });

  test('weights interleave smoothly (5:1:1 is aabacaa, not aaaaabc) and hold the ratio exactly', () => {
    const s = roundRobinSelector();
    const fleet = [replica('a', 5), replica('b'), replica('c')];
    assert.equal(
      picks((c) => s.select(c), fleet, 7),
      'aabacaa',
    );
    const counts = { a: 0, b: 0, c: 0 } as Record<string, number>;
    for (let i = 0; i < 700; i++) counts[s.select(fleet)!.ref.name]!++;
    assert.deepEqual(counts, { a: 500, b: 100, c: 100 });
  });

  test('2:1 over a candidate list that loses and regains a replica keeps each one’s place', () => {
    const s = roundRobinSelector();
    const a = replica('a', 2);
    const b = replica('b');
    assert.equal(
      picks((c) => s.select(c), [a, b], 3),
      'aba',
    );
    assert.equal(
      picks((c) => s.select(c), [a], 2),
      'aa',
      'b ejected: a alone',
    );
    const counts = { a: 0, b: 0 } as Record<string, number>;
    for (let i = 0; i < 300; i++) counts[s.select([a, b])!.ref.name]!++;
    assert.ok(Math.abs(counts.a! - 200) <= 2, JSON.stringify(counts));
  });

  test('no candidate: undefined; one: that one', () => {
    const s = roundRobinSelector();
    assert.equal(s.select([]), undefined);
    assert.equal(s.select([replica('a', 3)])?.ref.name, 'a');
  });
});

describe('least_outstanding', () => {
  test('the replica with the fewest statements in flight; ties rotate', () => {
    const s = leastOutstandingSelector();
    const a = replica('a', 1, { outstanding: 3 });
    const b = replica('b', 1, { outstanding: 1 });
    const c = replica('c', 1, { outstanding: 1 });
    assert.equal(
      picks((x) => s.select(x), [a, b, c], 4),
      'bcbc',
    );
    a.outstanding = 0;
    assert.equal(s.select([a, b, c])?.ref.name, 'a');
  });

  test('in flight relative to weight: a weight-2 replica with 2 running ties a weight-1 replica with 1', () => {
    const s = leastOutstandingSelector();
    const a = replica('a', 2, { outstanding: 2 });
    const b = replica('b', 1, { outstanding: 1 });
    assert.deepEqual(new Set(picks((x) => s.select(x), [a, b], 6)), new Set(['a', 'b']));
    b.outstanding = 2;
    assert.equal(
      picks((x) => s.select(x), [a, b], 3),
      'aaa',
    );
  });
});

describe('least_lag', () => {
  test('the least lag by the probes; within the tolerance counts as equal and rotates', () => {
    const s = leastLagSelector({ toleranceMs: 50 });
    const a = replica('a', 1, { lagMs: 900 });
    const b = replica('b', 1, { lagMs: 10 });
    const c = replica('c', 1, { lagMs: 40 });
    assert.equal(
      picks((x) => s.select(x), [a, b, c], 4),
      'bcbc',
    );
    c.health.lagMs = 200;
    assert.equal(
      picks((x) => s.select(x), [a, b, c], 3),
      'bbb',
    );
  });

  test('a replica with no lag figure yet ranks last; all without one rotate', () => {
    const s = leastLagSelector();
    const a = replica('a');
    const b = replica('b', 1, { lagMs: 5000 });
    assert.equal(
      picks((x) => s.select(x), [a, b], 2),
      'bb',
    );
    b.health.lagMs = undefined;
    assert.equal(
      picks((x) => s.select(x), [a, b], 2),
      'ab',
    );
  });
});
