// The service's own variables: READ_REPLICA_ALERT_READS, and the causal-token secret npm start keeps.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { RouterConfigError } from 'replica-router';
import { readServiceConfig } from '../../src/config/service-config.ts';
import { tokenSecretFromFile } from '../../src/config/token-secret-file.ts';

function refuses(env: NodeJS.ProcessEnv, variable: string): void {
  assert.throws(
    () => readServiceConfig(env),
    (e: unknown) => e instanceof RouterConfigError && e.variable === variable && e.message.includes(variable),
  );
}

describe('READ_REPLICA_ALERT_READS', () => {
  test('off by default; the boolean spellings turn it on and off', () => {
    assert.equal(readServiceConfig({}).alertReplicaReads, false);
    for (const on of ['true', 'YES', ' 1 ', 'on']) {
      assert.equal(readServiceConfig({ READ_REPLICA_ALERT_READS: on }).alertReplicaReads, true, on);
    }
    for (const off of ['false', 'no', '0', 'OFF', '']) {
      assert.equal(readServiceConfig({ READ_REPLICA_ALERT_READS: off }).alertReplicaReads, false, off);
    }
  });

  test('another spelling stops start-up naming the variable', () => {
    refuses({ READ_REPLICA_ALERT_READS: 'maybe' }, 'READ_REPLICA_ALERT_READS');
  });

  test('on at eventual stops start-up (a sheriff could read an alert from before their triage)', () => {
    refuses(
      { READ_REPLICA_ALERT_READS: 'true', READ_REPLICA_CONSISTENCY: 'eventual' },
      'READ_REPLICA_ALERT_READS',
    );
    for (const level of ['read_your_writes', 'monotonic']) {
      const config = readServiceConfig({ READ_REPLICA_ALERT_READS: 'true', READ_REPLICA_CONSISTENCY: level });
      assert.equal(config.alertReplicaReads, true);
    }
  });

  test('documented in docs/configuration.md', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../../docs/configuration.md'), 'utf8');
    assert.match(doc, /^\| `READ_REPLICA_ALERT_READS` +\|.*\| boolean +\| `false` +\|/m);
  });
});

describe('the causal-token secret kept in .data/', () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-secret-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('created once with mode 0600 (its folder 0700), then read back unchanged', () => {
    const path = join(dir, 'data', 'token-secret');
    const first = tokenSecretFromFile(path);
    assert.equal(first.created, true);
    assert.ok(Buffer.byteLength(first.secret) >= 32);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'data')).mode & 0o777, 0o700);
    const again = tokenSecretFromFile(path);
    assert.deepEqual(again, { secret: first.secret, created: false });
  });

  test('a file others may read is tightened to 0600; a too short one is replaced', () => {
    const path = join(dir, 'loose');
    writeFileSync(path, `${'k'.repeat(40)}\n`, { mode: 0o644 });
    assert.equal(tokenSecretFromFile(path).secret, 'k'.repeat(40));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const short = join(dir, 'short');
    writeFileSync(short, 'abc', { mode: 0o600 });
    const replaced = tokenSecretFromFile(short);
    assert.equal(replaced.created, true);
    assert.notEqual(replaced.secret, 'abc');
  });
});
