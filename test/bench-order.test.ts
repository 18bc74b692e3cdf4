/**
 * The peers benchmark's round order (bench/support/stats.ts `balancedOrder`): every round a permutation, and over a
 * full design every peer right after every other one equally often, for even and odd numbers of peers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { balancedOrder } from '../bench/support/stats.ts';

/** How often each peer comes right after each other one, over `rounds` rounds of `n` peers. */
function follows(n: number, rounds: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let r = 0; r < rounds; r++) {
    const row = balancedOrder(n, r);
    for (let i = 1; i < n; i++) {
      const key = `${row[i - 1]}>${row[i]}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

describe('balancedOrder', () => {
  it('gives a permutation of the peers every round', () => {
    for (const n of [1, 2, 3, 4, 7, 10]) {
      for (let r = 0; r < 3 * n; r++) {
        assert.deepEqual(
          [...balancedOrder(n, r)].sort((a, b) => a - b),
          Array.from({ length: n }, (_, i) => i),
          `n=${n} round ${r}`,
        );
      }
    }
  });

  it('puts every peer right after every other exactly once over n rounds, for an even n', () => {
    for (const n of [2, 4, 6, 10]) {
      const counts = follows(n, n);
      assert.equal(counts.size, n * (n - 1), `n=${n}: every ordered pair occurs`);
      for (const [pair, c] of counts) assert.equal(c, 1, `n=${n}: ${pair}`);
    }
  });

  it('puts every peer right after every other exactly twice over 2n rounds, for an odd n', () => {
    for (const n of [3, 5, 9]) {
      const counts = follows(n, 2 * n);
      assert.equal(counts.size, n * (n - 1), `n=${n}: every ordered pair occurs`);
      for (const [pair, c] of counts) assert.equal(c, 2, `n=${n}: ${pair}`);
    }
  });

  it('changes what follows each peer from one round to the next, unlike a rotation', () => {
    // Rotation (ABC, BCA, CAB) keeps the same successor; here 8 rounds of 10 peers give each peer 8 different ones.
    const successors = new Map<number, Set<number>>();
    for (let r = 0; r < 8; r++) {
      const row = balancedOrder(10, r);
      for (let i = 1; i < row.length; i++) {
        const before = row[i - 1] as number;
        successors.set(before, (successors.get(before) ?? new Set()).add(row[i] as number));
      }
    }
    for (const [peer, next] of successors) assert.ok(next.size >= 7, `peer ${peer} followed by ${[...next]}`);
  });
});
