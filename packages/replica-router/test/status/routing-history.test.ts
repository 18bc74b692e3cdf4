// RoutingHistory: the bounded series behind a status page. The bookkeeping (deltas, bounds, stopping) is
// driven by a manual clock over a scripted stats source; what it records of a real pool (reads a replica
// served, proven by the server; a stopped replica's ejection and readmission) runs on a real cluster.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReplicaStateEvent } from '../../src/health/replica-state-event.ts';
import type { RoutedPool, RoutedPoolStats } from '../../src/index.ts';
import { replicaStateChannel, runInReplicaScope } from '../../src/index.ts';
import { createRoutingHistory, type RoutingHistorySource } from '../../src/status/index.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { pollUntil, type RoutingCluster, startRoutingCluster } from '../support/routing-cluster.ts';

/** A stats source whose counters the test sets. */
function scriptedSource() {
  const counters = { routed: 0, not_in_scope: 0, fallback: 0, hedged: 0, fallbacks: 0, served: 0 };
  const listeners = new Set<(event: ReplicaStateEvent) => void>();
  const source = {
    ending: false as boolean,
    stats: () =>
      ({
        routingEnabled: true,
        reasons: {
          routed: counters.routed,
          not_in_scope: counters.not_in_scope,
          fallback: counters.fallback,
          hedged: counters.hedged,
        },
        fallbacks: counters.fallbacks,
        replicas: [
          {
            name: 'replica_1',
            state: 'healthy',
            reason: undefined,
            lagMs: 12,
            lagBytes: 0,
            served: counters.served,
          },
        ],
      }) as unknown as RoutedPoolStats,
    onReplicaStateChange(listener: (event: ReplicaStateEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } satisfies RoutingHistorySource & { ending: boolean };
  return { source, counters, listeners };
}

describe('RoutingHistory bookkeeping', () => {
  it('samples every sampleMs, as changes since the sample before, within the window', async () => {
    const clock = new ManualClock();
    const { source, counters } = scriptedSource();
    const history = createRoutingHistory(source, { sampleMs: 1000, windowMs: 5000, clock });
    counters.routed += 8;
    counters.served += 6;
    counters.not_in_scope += 2;
    // A fallback: the replica attempt (routed) retried on the primary (fallback, counted on top).
    counters.routed += 1;
    counters.fallback += 1;
    counters.fallbacks += 1;
    counters.hedged += 2;
    await clock.advance(1000);
    const [first, second] = history.snapshot().samples;
    assert.equal(first?.statements, 0, 'the first sample is the baseline');
    assert.deepEqual(
      { ...second, at: undefined },
      {
        at: undefined,
        statements: 11,
        replicaReads: 6,
        fallbacks: 1,
        hedges: 2,
        replicas: [{ name: 'replica_1', state: 'healthy', reason: null, lagMs: 12, lagBytes: 0 }],
      },
    );
    assert.deepEqual(
      history.snapshot().events.map((e) => [e.kind, 'count' in e ? e.count : undefined]),
      [
        ['fallbacks', 1],
        ['hedges', 2],
      ],
    );
    await clock.advance(20_000);
    const { samples, events } = history.snapshot();
    assert.equal(samples.length, 6, 'the window (5 s at 1 s) keeps 6 samples');
    assert.ok(samples.every((s) => s.statements === 0));
    assert.equal(events.length, 0, 'events older than the window are gone');
    history.stop();
  });

  it('records the pool’s state changes, and only what is newer than sinceMs', async () => {
    const clock = new ManualClock();
    const { source, listeners } = scriptedSource();
    const history = createRoutingHistory(source, { clock });
    const at = clock.now() + 1;
    for (const listener of listeners) {
      listener({
        replica: 'replica_1',
        from: 'healthy',
        to: 'ejected',
        reason: 'probe_failed',
        at,
        lagMs: undefined,
        lagBytes: undefined,
      });
    }
    assert.deepEqual(history.snapshot().events, [
      {
        kind: 'replica_state',
        at,
        replica: 'replica_1',
        from: 'healthy',
        to: 'ejected',
        reason: 'probe_failed',
        lagMs: null,
      },
    ]);
    assert.equal(history.snapshot({ sinceMs: at }).events.length, 0);
    assert.equal(history.snapshot({ sinceMs: at - 1 }).events.length, 1);
    history.stop();
    assert.equal(listeners.size, 0, 'stop() unsubscribes');
    assert.equal(clock.pending, 0, 'stop() clears the timer');
  });

  it('stops by itself once the pool ends', async () => {
    const clock = new ManualClock();
    const { source, listeners } = scriptedSource();
    const history = createRoutingHistory(source, { sampleMs: 500, clock });
    await clock.advance(1000);
    source.ending = true;
    await clock.advance(500);
    assert.equal(clock.pending, 0);
    assert.equal(listeners.size, 0);
    assert.equal(history.snapshot().samples.length, 3);
  });

  it('bounds events and rejects bad options by name', async () => {
    const clock = new ManualClock();
    const { source, listeners } = scriptedSource();
    const history = createRoutingHistory(source, { maxEvents: 3, clock });
    for (let i = 0; i < 10; i++) {
      for (const listener of listeners) {
        listener({
          replica: 'replica_1',
          from: 'healthy',
          to: 'lagging',
          reason: 'replica_lagging',
          at: clock.now(),
          lagMs: i,
          lagBytes: 0,
        });
      }
    }
    assert.deepEqual(
      history.snapshot().events.map((e) => (e.kind === 'replica_state' ? e.lagMs : -1)),
      [7, 8, 9],
    );
    history.stop();
    assert.throws(() => createRoutingHistory(source, { sampleMs: 0 }), /sampleMs/);
    assert.throws(() => createRoutingHistory(source, { windowMs: 1.5 }), /windowMs/);
  });
});

describe('RoutingHistory of a real pool', () => {
  let rc: RoutingCluster;
  let pool: RoutedPool;
  let other: RoutedPool;

  before(async () => {
    rc = await startRoutingCluster();
    pool = rc.makePool();
    other = rc.makePool();
  });
  after(() => rc?.stop());

  it('counts the reads replicas served, as the servers report them', async () => {
    const history = createRoutingHistory(pool, { sampleMs: 100 });
    try {
      let onReplica = 0;
      for (let i = 0; i < 20; i++) {
        const { rows } = await runInReplicaScope(() =>
          pool.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r FROM performance_framework LIMIT 1'),
        );
        if (rows[0]?.r) onReplica++;
      }
      await pool.query('SELECT pg_is_in_recovery() FROM performance_framework LIMIT 1');
      history.sample();
      const { samples } = history.snapshot();
      const sum = (f: (s: (typeof samples)[number]) => number) => samples.reduce((n, s) => n + f(s), 0);
      assert.ok(onReplica > 0, 'the replica served some of the reads');
      assert.equal(
        sum((s) => s.replicaReads),
        onReplica,
      );
      assert.ok(sum((s) => s.statements) >= 21);
    } finally {
      history.stop();
    }
  });

  it('records a stopped replica’s ejection and readmission, and not another pool’s', async () => {
    const history = createRoutingHistory(pool, { sampleMs: 100 });
    const replica = rc.cluster.replicas[0]!;
    const isEjection = (e: { from: string; to: string }) => e.from === 'healthy' && e.to === 'ejected';
    // Every pool's changes go to the channel; the pool's own listener hears only its own.
    let everyPool = 0;
    let own = 0;
    const onChannel = (message: unknown) => {
      if (isEjection(message as ReplicaStateEvent)) everyPool++;
    };
    replicaStateChannel.subscribe(onChannel);
    const stopOwn = pool.onReplicaStateChange((e) => {
      if (isEjection(e)) own++;
    });
    const sampledState = async () => history.snapshot().samples.at(-1)?.replicas[0]?.state;
    try {
      await pollUntil(sampledState, (s) => s === 'healthy', { what: 'replica healthy before the fault' });
      await replica.stop();
      try {
        await pollUntil(sampledState, (s) => s === 'ejected', {
          timeoutMs: 30_000,
          what: 'the sampled state to show the ejection',
        });
        await pollUntil(
          async () => other.stats().replicas[0]?.state,
          (s) => s === 'ejected',
          {
            timeoutMs: 30_000,
            what: 'the other pool to eject the replica too',
          },
        );
      } finally {
        await replica.start();
      }
      await pollUntil(sampledState, (s) => s === 'healthy', {
        timeoutMs: 60_000,
        what: 'the sampled state to show the readmission',
      });
      const changes = history.snapshot().events.filter((e) => e.kind === 'replica_state');
      const ejected = changes.find(isEjection);
      assert.ok(ejected, JSON.stringify(changes));
      assert.match(String(ejected.reason), /^(probe_failed|probe_timeout|connection_error)$/);
      assert.equal(changes.at(-1)?.to, 'healthy', JSON.stringify(changes));
      assert.equal(changes.filter(isEjection).length, own, JSON.stringify(changes));
      assert.ok(everyPool > own, `the channel saw ${everyPool} ejections (both pools), the pool ${own}`);
    } finally {
      replicaStateChannel.unsubscribe(onChannel);
      stopOwn();
      history.stop();
    }
  });
});
