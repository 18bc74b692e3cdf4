// The replica state machine, driven by hand-made probe answers and a manual clock: no database, no patching.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HealthPolicy } from '../../src/health/health-policy.ts';
import { PrimaryPositionHistory } from '../../src/health/primary-position-history.ts';
import type { PrimarySample, ReplicaProbeSample } from '../../src/health/probe-sample.ts';
import { ReplicaHealth } from '../../src/health/replica-health.ts';
import type { RouterLogger } from '../../src/index.ts';
import { ManualClock } from '../support/manual-clock.ts';

const policy: HealthPolicy = {
  probeMs: 1000,
  probeTimeoutMs: 500,
  maxLagMs: 10_000,
  maxLagBytes: 1_000_000,
  readmitProbes: 2,
};

function setup(overrides: Partial<HealthPolicy> = {}) {
  const clock = new ManualClock();
  const history = new PrimaryPositionHistory(60_000);
  const lines: string[] = [];
  const logger: RouterLogger = {
    debug: () => {},
    info: (_o, msg) => lines.push(`INFO ${msg}`),
    warn: (_o, msg) => lines.push(`WARN ${msg}`),
    error: (_o, msg) => lines.push(`ERROR ${msg}`),
  };
  const health = new ReplicaHealth('replica_1', {
    policy: { ...policy, ...overrides },
    clock,
    history,
    logger,
  });
  /** The primary at `position` now, recorded in the history as a probe would. */
  const primaryAt = (position: bigint): PrimarySample => {
    const sample = { position, at: clock.now() };
    history.record(sample);
    return sample;
  };
  return { clock, history, lines, health, primaryAt };
}

function sample(replay: bigint, extra: Partial<ReplicaProbeSample> = {}): ReplicaProbeSample {
  return {
    inRecovery: true,
    replayPosition: replay,
    receivePosition: replay,
    replayAgeMs: 0,
    replayPaused: false,
    ...extra,
  };
}

describe('ReplicaHealth', () => {
  test('starts with no reads; the first good probe admits it silently', () => {
    const { health, lines, primaryAt } = setup();
    assert.equal(health.state, 'starting');
    assert.equal(health.routable, false);
    health.recordProbe(sample(100n), primaryAt(100n));
    assert.equal(health.state, 'healthy');
    assert.equal(health.routable, true);
    assert.deepEqual(lines, []);
  });

  test('an idle primary is not lag: caught up is zero lag, however old the last replayed commit', () => {
    const { health, primaryAt } = setup();
    health.recordProbe(sample(5000n, { replayAgeMs: 3_600_000 }), primaryAt(5000n));
    assert.equal(health.lagMs, 0);
    assert.equal(health.lagBytes, 0);
    assert.equal(health.state, 'healthy');
  });

  test('lag in time is the smaller upper bound: since the primary was at the replayed position, or the last commit’s age', async () => {
    const { health, clock, primaryAt } = setup();
    primaryAt(1000n);
    await clock.advance(4000);
    primaryAt(2000n);
    await clock.advance(3000);
    // Replayed 1500: the primary was last at or below it 7 s ago; its last commit is 5 s old.
    health.recordProbe(sample(1500n, { replayAgeMs: 5000 }), primaryAt(3000n));
    assert.equal(health.lagBytes, 1500);
    assert.equal(health.lagMs, 5000);
    // With a very old last commit (idle primary before a burst), the history bound wins.
    health.recordProbe(sample(1500n, { replayAgeMs: 900_000 }), primaryAt(3000n));
    assert.equal(health.lagMs, 7000);
  });

  test('over a limit it is lagging (one WARN); it is back only under half of both limits (hysteresis, one INFO)', async () => {
    const { health, clock, lines, primaryAt } = setup();
    health.recordProbe(sample(0n), primaryAt(0n));
    health.recordProbe(sample(0n), primaryAt(1_200_000n));
    assert.equal(health.state, 'lagging');
    assert.equal(health.reason, 'replica_lagging');
    assert.equal(health.routable, false);
    await clock.advance(1000);
    // Under the limit but not under half of it: still lagging, nothing logged.
    health.recordProbe(sample(400_000n), primaryAt(1_200_000n));
    assert.equal(health.state, 'lagging');
    await clock.advance(1000);
    health.recordProbe(sample(800_000n), primaryAt(1_200_000n));
    assert.equal(health.state, 'healthy');
    assert.deepEqual(lines, [
      'WARN db_routing_replica_ejected replica=replica_1 reason=replica_lagging',
      'INFO db_routing_replica_readmitted replica=replica_1 after_ms=2000',
    ]);
  });

  test('the time limit alone makes it lag; a limit of 0 is off', () => {
    const timed = setup({ maxLagBytes: 0 });
    timed.health.recordProbe(sample(10n, { replayAgeMs: 10_001 }), timed.primaryAt(1_000_000_000n));
    assert.equal(timed.health.state, 'lagging');
    const untimed = setup({ maxLagBytes: 0, maxLagMs: 0 });
    untimed.health.recordProbe(sample(10n, { replayAgeMs: 10_000_000 }), untimed.primaryAt(1_000_000_000n));
    assert.equal(untimed.health.state, 'healthy');
  });

  test('a failed or timed-out probe ejects at once; readmission needs N good probes in a row, not time', async () => {
    const { health, clock, lines, primaryAt } = setup({ readmitProbes: 3 });
    health.recordProbe(sample(10n), primaryAt(10n));
    health.recordProbeFailure('probe_timeout', undefined);
    assert.equal(health.state, 'ejected');
    assert.equal(health.reason, 'probe_timeout');
    await clock.advance(3_600_000);
    assert.equal(health.state, 'ejected', 'time alone readmits nothing');
    health.recordProbe(sample(10n), primaryAt(10n));
    health.recordProbe(sample(10n), primaryAt(10n));
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    health.recordProbeFailure('probe_failed', refused);
    assert.equal(health.state, 'ejected', 'a failure resets the streak');
    health.recordProbe(sample(10n), primaryAt(10n));
    health.recordProbe(sample(10n), primaryAt(10n));
    assert.equal(health.state, 'ejected');
    await clock.advance(250);
    health.recordProbe(sample(10n), primaryAt(10n));
    assert.equal(health.state, 'healthy');
    assert.deepEqual(lines, [
      'WARN db_routing_replica_ejected replica=replica_1 reason=probe_timeout',
      'INFO db_routing_replica_readmitted replica=replica_1 after_ms=3600250',
    ]);
    assert.equal(health.snapshot().lastError, 'ECONNREFUSED');
  });

  test('a connection error of a routed statement ejects; repeated failures log nothing more', () => {
    const { health, lines, primaryAt } = setup();
    health.recordProbe(sample(10n), primaryAt(10n));
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    health.recordConnectionError(reset);
    health.recordConnectionError(reset);
    health.recordProbeFailure('probe_failed', reset);
    assert.equal(health.state, 'ejected');
    assert.deepEqual(lines, ['WARN db_routing_replica_ejected replica=replica_1 reason=connection_error']);
  });

  test('a server not in recovery is not a replica: one ERROR line, no reads, back only as a replica after N probes', () => {
    const { health, lines, primaryAt } = setup();
    health.recordProbe(sample(10n), primaryAt(10n));
    health.recordProbe(sample(10n, { inRecovery: false }), primaryAt(20n));
    health.recordProbe(sample(10n, { inRecovery: false }), primaryAt(20n));
    assert.equal(health.state, 'not_a_replica');
    assert.equal(health.routable, false);
    // Unreachable meanwhile: still not a replica (and no new line).
    health.recordProbeFailure('probe_failed', new Error('x'));
    assert.equal(health.state, 'not_a_replica');
    health.recordProbe(sample(20n), primaryAt(20n));
    assert.equal(health.state, 'not_a_replica');
    health.recordProbe(sample(20n), primaryAt(20n));
    assert.equal(health.state, 'healthy');
    assert.deepEqual(
      lines.map((l) => l.replace(/after_ms=\d+/, 'after_ms=N')),
      [
        'ERROR db_routing_replica_ejected replica=replica_1 reason=not_a_replica',
        'INFO db_routing_replica_readmitted replica=replica_1 after_ms=N',
      ],
    );
  });

  test('down at start-up: ejected, then picked up by probes', () => {
    const { health, lines, primaryAt } = setup();
    health.recordProbeFailure('probe_failed', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    assert.equal(health.state, 'ejected');
    health.recordProbe(sample(1n), primaryAt(1n));
    health.recordProbe(sample(1n), primaryAt(1n));
    assert.equal(health.state, 'healthy');
    assert.equal(lines.length, 2);
  });

  test('replay position: the probe’s, raised by a routed check, reset by an ejection', () => {
    const { health, primaryAt } = setup();
    health.recordProbe(sample(100n), primaryAt(100n));
    health.noteReplayed(150n);
    assert.equal(health.replayPosition, 150n);
    health.noteReplayed(120n);
    assert.equal(health.replayPosition, 150n, 'a lower answer never lowers it');
    health.recordProbe(sample(200n), primaryAt(200n));
    assert.equal(health.replayPosition, 200n);
    health.recordConnectionError(new Error('Connection terminated unexpectedly'));
    health.noteReplayed(900n);
    assert.equal(health.replayPosition, 200n, 'an ejected replica takes no routed checks');
  });

  test('unknown primary position: lag unknown, state kept', () => {
    const { health, primaryAt } = setup();
    health.recordProbe(sample(0n), primaryAt(0n));
    health.recordProbe(sample(0n), primaryAt(5_000_000n));
    assert.equal(health.state, 'lagging');
    health.recordProbe(sample(0n), undefined);
    assert.equal(health.state, 'lagging');
  });
});
