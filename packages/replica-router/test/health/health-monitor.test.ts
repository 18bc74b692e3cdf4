// The probe loops, driven by a manual clock and fake targets: schedule and jitter, timeouts, the primary read
// once for replicas probing together and before them, the first round, stop.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HealthMonitor, type MonitoredReplica } from '../../src/health/health-monitor.ts';
import type { HealthPolicy } from '../../src/health/health-policy.ts';
import { PrimaryPositionHistory } from '../../src/health/primary-position-history.ts';
import type { ReplicaProbeSample } from '../../src/health/probe-sample.ts';
import type { ProbeTarget } from '../../src/health/probe-target.ts';
import { ReplicaHealth } from '../../src/health/replica-health.ts';
import type { WalPosition } from '../../src/wal/wal-position.ts';
import { ManualClock, settle } from '../support/manual-clock.ts';

const policy: HealthPolicy = {
  probeMs: 1000,
  probeTimeoutMs: 300,
  maxLagMs: 10_000,
  maxLagBytes: 1_000_000,
  readmitProbes: 2,
};

/** A target whose answers the test scripts; records when it was asked and how often it was reset. */
class FakeTarget<S> implements ProbeTarget<S> {
  readonly asked: number[] = [];
  resets = 0;
  closed = false;
  answer: () => Promise<S>;
  readonly #clock: ManualClock;
  readonly #log: string[];
  readonly #name: string;

  constructor(clock: ManualClock, log: string[], name: string, answer: () => Promise<S>) {
    this.#clock = clock;
    this.#log = log;
    this.#name = name;
    this.answer = answer;
  }

  probe(): Promise<S> {
    this.asked.push(this.#clock.now());
    this.#log.push(this.#name);
    return this.answer();
  }

  reset(): void {
    this.resets++;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

const replicaSample = (replay: bigint): ReplicaProbeSample => ({
  inRecovery: true,
  replayPosition: replay,
  receivePosition: replay,
  replayAgeMs: 0,
  replayPaused: false,
});

function setup(replicas = 1, random = 0.5) {
  const clock = new ManualClock(1_700_000_000_000, random);
  const history = new PrimaryPositionHistory(60_000);
  const log: string[] = [];
  const primary = new FakeTarget<WalPosition>(clock, log, 'primary', async () => 100n);
  const targets = Array.from(
    { length: replicas },
    (_, i) =>
      new FakeTarget<ReplicaProbeSample>(clock, log, `replica_${i + 1}`, async () => replicaSample(100n)),
  );
  const monitored: MonitoredReplica[] = targets.map((target, i) => ({
    target,
    health: new ReplicaHealth(`replica_${i + 1}`, { policy, clock, history }),
  }));
  const monitor = new HealthMonitor({ primary, replicas: monitored, policy, clock, history });
  return { clock, log, primary, targets, monitored, monitor, history };
}

describe('HealthMonitor', () => {
  test('probes at once, then every probeMs after the previous probe ended', async () => {
    const { clock, targets, monitor, monitored } = setup();
    await monitor.start();
    assert.equal(monitored[0]?.health.state, 'healthy');
    const t0 = clock.now();
    await clock.advance(3500);
    assert.deepEqual(
      targets[0]?.asked.map((t) => t - t0),
      [0, 1000, 2000, 3000],
    );
    await monitor.stop();
  });

  test('jitter spreads the interval over ±20 %', async () => {
    for (const [random, gap] of [
      [0, 800],
      [0.75, 1100],
    ] as const) {
      const { clock, targets, monitor } = setup(1, random);
      await monitor.start();
      const t0 = clock.now();
      await clock.advance(gap * 2 + 1);
      assert.deepEqual(
        targets[0]?.asked.map((t) => t - t0),
        [0, gap, gap * 2],
        `random ${random}`,
      );
      await monitor.stop();
    }
  });

  test('the primary is read before each replica, once for replicas probing together', async () => {
    const { log, monitor } = setup(3);
    await monitor.start();
    assert.deepEqual(log, ['primary', 'replica_1', 'replica_2', 'replica_3']);
    await monitor.stop();
  });

  test('a probe that never answers is a timeout: ejected at probeTimeoutMs, its connection reset, loop goes on', async () => {
    const { clock, targets, monitored, monitor } = setup();
    await monitor.start();
    const target = targets[0]!;
    target.answer = () => new Promise(() => {});
    await clock.advance(1000 + 299);
    assert.equal(monitored[0]?.health.state, 'healthy', 'not before the timeout');
    await clock.advance(1);
    assert.equal(monitored[0]?.health.state, 'ejected');
    assert.equal(monitored[0]?.health.reason, 'probe_timeout');
    assert.equal(target.resets, 1);
    // The next probes answer again: two good ones readmit it. While it is out it is probed every
    // probeMs / readmitProbes, so both fit in one interval.
    target.answer = async () => replicaSample(100n);
    await clock.advance(500);
    assert.equal(monitored[0]?.health.state, 'ejected', 'one good probe is not enough');
    await clock.advance(500);
    assert.equal(monitored[0]?.health.state, 'healthy');
    // Back in: the normal interval again.
    const asked = target.asked.length;
    await clock.advance(999);
    assert.equal(target.asked.length, asked, 'no probe before probeMs once healthy');
    await clock.advance(1);
    assert.equal(target.asked.length, asked + 1);
    await monitor.stop();
  });

  test('a frozen primary does not stop the replica probes (lag then unknown, state kept)', async () => {
    const { clock, primary, targets, monitored, monitor } = setup();
    await monitor.start();
    primary.answer = () => new Promise(() => {});
    await clock.advance(1000 + 300);
    assert.equal(targets[0]?.asked.length, 2, 'the replica was probed after the primary timed out');
    assert.equal(primary.resets, 1);
    assert.equal(monitor.primaryFailures, 1);
    assert.equal(monitored[0]?.health.state, 'healthy');
    await monitor.stop();
  });

  test('the first round settles once every replica has an answer, a failure or a timeout', async () => {
    const { clock, targets, monitored, monitor } = setup(2);
    targets[0]!.answer = async () => {
      throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    };
    targets[1]!.answer = () => new Promise(() => {});
    let settled = false;
    void monitor.start().then(() => {
      settled = true;
    });
    await settle();
    assert.equal(settled, false);
    await clock.advance(300);
    assert.equal(settled, true);
    assert.deepEqual(
      monitored.map((m) => [m.health.state, m.health.reason]),
      [
        ['ejected', 'probe_failed'],
        ['ejected', 'probe_timeout'],
      ],
    );
    await monitor.stop();
  });

  test('stop clears the schedule and closes every connection', async () => {
    const { clock, primary, targets, monitor } = setup(2);
    await monitor.start();
    assert.ok(clock.pending > 0);
    await monitor.stop();
    assert.equal(clock.pending, 0);
    assert.ok(primary.closed && targets.every((t) => t.closed));
    const asked = targets[0]!.asked.length;
    await clock.advance(10_000);
    assert.equal(targets[0]!.asked.length, asked);
  });
});
