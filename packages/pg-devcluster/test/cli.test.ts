/**
 * The `pg-devcluster` command as a person and a script use it: `up --detach`, `status` as an aligned
 * table, `--json` as one parseable document, `down`. Run through the package's bin (in a checkout it runs
 * the sources). The superuser password never appears in any output.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

const bin = join(import.meta.dirname, '..', 'bin', 'pg-devcluster.mjs');
const run = promisify(execFile);

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(...args: string[]): Promise<Output> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, '--data-dir', dataDir, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface JsonStatus {
  primary: { url: string; running: boolean; currentLsn: string | null };
  replicas: { name: string; url: string; running: boolean; state: string | null; lagBytes: number | null }[];
}

let parent: string;
let dataDir: string;
let password: string;
const outputs: string[] = [];

before(() => {
  parent = mkdtempSync(join(tmpdir(), 'pgdc-cli-'));
  dataDir = join(parent, 'cluster');
});
after(async () => {
  await cli('down');
  rmSync(parent, { recursive: true, force: true });
});

/** Start of each column in a table line: runs of two or more spaces separate columns. */
function columnStarts(line: string): number[] {
  return [0, ...[...line.matchAll(/ {2,}(?=\S)/g)].map((m) => m.index + m[0].length)];
}

describe('pg-devcluster CLI', () => {
  it('up --detach --json prints one JSON document with redacted URLs', async () => {
    const out = await cli('up', '--replicas', '1', '--detach', '--json');
    outputs.push(out.stdout, out.stderr);
    assert.equal(out.code, 0, out.stderr);
    const doc = JSON.parse(out.stdout) as JsonStatus & Record<string, unknown>;
    password = (JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as { password: string })
      .password;
    assert.match(String(doc.version), /PostgreSQL/);
    assert.equal(doc.persistent, true);
    assert.equal(doc.detached, true);
    assert.equal(doc.passwordFile, join(dataDir, 'cluster.json'));
    assert.match(doc.primary.url, /^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres$/);
    assert.deepEqual(
      doc.replicas.map((r) => [r.name, r.running, r.state]),
      [['replica_1', true, 'streaming']],
    );
    assert.match(out.stderr, /detached; stop with: pg-devcluster down/);
  });

  it('status prints an aligned table: no index column, no quotes, - for the primary lag', async () => {
    const out = await cli('status');
    outputs.push(out.stdout, out.stderr);
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 4, out.stdout);
    const [header, rule, primary, replica] = lines as [string, string, string, string];
    assert.deepEqual(header.split(/ {2,}/), [
      'node',
      'url',
      'running',
      'state',
      'lsn',
      'lag bytes',
      'lag ms',
    ]);
    assert.match(rule, /^-+( {2}-+){6}$/);
    assert.doesNotMatch(out.stdout, /\(index\)|['"│┌]/);
    const cells = (line: string) => line.split(/ {2,}/);
    assert.deepEqual(cells(primary).slice(0, 4), ['primary', cells(primary)[1], 'yes', 'primary']);
    assert.deepEqual(cells(primary).slice(5), ['-', '-']);
    assert.match(cells(primary)[1] ?? '', /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    assert.deepEqual(cells(replica).slice(0, 1).concat(cells(replica).slice(2, 4)), [
      'replica_1',
      'yes',
      'streaming',
    ]);
    assert.match(cells(replica)[5] ?? '', /^\d+$/);
    // Left-aligned columns start where the header's do; the numeric ones end where the header's end.
    const starts = columnStarts(header).slice(0, 5);
    for (const line of [rule, primary, replica])
      assert.deepEqual(columnStarts(line).slice(0, 5), starts, line);
    for (const line of [rule, primary, replica]) assert.equal(line.length, header.length, line);
  });

  it('status --json prints the same facts as JSON', async () => {
    const out = await cli('status', '--json');
    outputs.push(out.stdout, out.stderr);
    const doc = JSON.parse(out.stdout) as JsonStatus;
    assert.equal(doc.primary.running, true);
    assert.match(doc.primary.currentLsn ?? '', /^[0-9A-F]+\/[0-9A-F]+$/);
    assert.equal(doc.replicas[0]?.state, 'streaming');
    assert.equal(typeof doc.replicas[0]?.lagBytes, 'number');
  });

  it('down stops the servers; status of a folder without a cluster exits 1', async () => {
    const down = await cli('down');
    assert.equal(down.stdout.trim(), 'stopped: replica_1, primary');
    const stopped = JSON.parse((await cli('status', '--json')).stdout) as JsonStatus;
    assert.deepEqual(
      [stopped.primary.running, stopped.replicas[0]?.running, stopped.replicas[0]?.state],
      [false, false, null],
    );
    const missing = await run(process.execPath, [bin, '--data-dir', join(parent, 'none'), 'status']).catch(
      (e: Output) => e,
    );
    assert.equal((missing as Output).code, 1);
    assert.match((missing as Output).stderr, /no cluster at /);
  });

  it('never printed the superuser password', () => {
    assert.ok(password.length > 10);
    for (const text of outputs) assert.ok(!text.includes(password));
  });
});
