import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { ClusterStatus } from '../cluster/cluster.ts';
import { dataLocation } from '../cluster/data-location.ts';
import { startCluster } from '../cluster/start-cluster.ts';
import { clusterStatusAt, stopClusterAt } from '../cluster/stop-cluster-at.ts';
import { redactedStatus, statusTable } from './status-report.ts';

function replicaCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 8) throw new InvalidArgumentError('an integer from 0 to 8');
  return n;
}

/** Prints the status as a table, or as one JSON document with `--json` (URLs without password either way). */
function printStatus(status: ClusterStatus, json: boolean | undefined): void {
  console.log(json ? JSON.stringify(redactedStatus(status), null, 2) : statusTable(status));
}

const program = new Command('pg-devcluster')
  .description('A real PostgreSQL primary and streaming replicas from npm-shipped binaries')
  .option('-d, --data-dir <dir>', 'where a persistent cluster keeps its data', '.data/cluster');

program
  .command('up')
  .description('start a primary and replicas; stays in the foreground until Ctrl-C unless --detach')
  .option('-r, --replicas <n>', 'number of streaming replicas', replicaCount, 1)
  .option('--ephemeral', 'use a temporary folder, removed on stop')
  .option('--detach', 'leave the servers running and exit (stop them with `down`)')
  .option('--json', 'print one JSON document on stdout instead of the table (messages go to stderr)')
  .action(async (opts: { replicas: number; ephemeral?: boolean; detach?: boolean; json?: boolean }) => {
    const dataDir = resolve(program.opts<{ dataDir: string }>().dataDir);
    if (opts.ephemeral && opts.detach) {
      program.error(
        '--detach needs a persistent cluster: an ephemeral one is removed when this process exits',
      );
    }
    const started = performance.now();
    const cluster = await startCluster({ replicas: opts.replicas, ...(opts.ephemeral ? {} : { dataDir }) });
    const startMs = Math.round(performance.now() - started);
    const status = await cluster.status();
    const passwordFile = opts.ephemeral ? null : resolve(dataDir, 'cluster.json');
    if (opts.json) {
      const { version, dataDir: root, storage, persistent } = cluster;
      const detached = opts.detach === true;
      const report = { version, startMs, dataDir: root, storage, persistent, passwordFile, detached };
      console.log(JSON.stringify({ ...report, ...redactedStatus(status) }, null, 2));
    } else {
      console.log(`${cluster.version}: primary + ${opts.replicas} replica(s) up in ${startMs} ms`);
      console.log(dataLocation(cluster));
      printStatus(status, false);
      if (passwordFile) console.log(`superuser password: in ${passwordFile} (never printed)`);
    }
    // In JSON mode stdout carries the document only; what follows is for a person.
    const say = opts.json ? console.error : console.log;
    if (opts.detach) {
      cluster.detach();
      say('detached; stop with: pg-devcluster down');
      return;
    }
    say('Ctrl-C stops the cluster');
  });

program
  .command('status')
  .description('URLs, streaming state and replay lag of a persistent cluster')
  .option('--json', 'print one JSON document instead of the table')
  .action(async (opts: { json?: boolean }) => {
    const dataDir = resolve(program.opts<{ dataDir: string }>().dataDir);
    const status = await clusterStatusAt(dataDir);
    if (!status) {
      console.error(`no cluster at ${dataDir}`);
      process.exitCode = 1;
      return;
    }
    printStatus(status, opts.json);
  });

program
  .command('down')
  .description('stop the servers of a persistent cluster (replicas first)')
  .action(async () => {
    const dataDir = resolve(program.opts<{ dataDir: string }>().dataDir);
    const stopped = await stopClusterAt(dataDir);
    console.log(stopped.length ? `stopped: ${stopped.join(', ')}` : 'nothing was running');
  });

await program.parseAsync();
