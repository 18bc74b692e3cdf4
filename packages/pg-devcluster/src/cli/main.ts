import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { ClusterStatus } from '../cluster/cluster.ts';
import { dataLocation } from '../cluster/data-location.ts';
import { startCluster } from '../cluster/start-cluster.ts';
import { clusterStatusAt, stopClusterAt } from '../cluster/stop-cluster-at.ts';
import { redactUrl } from '../redact-url.ts';

function replicaCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 8) throw new InvalidArgumentError('an integer from 0 to 8');
  return n;
}

function printStatus(status: ClusterStatus): void {
  const rows = [
    {
      node: 'primary',
      url: redactUrl(status.primary.url),
      running: status.primary.running,
      state: status.primary.running ? 'primary' : '-',
      lsn: status.primary.currentLsn ?? '-',
      'lag bytes': '',
      'lag ms': '',
    },
    ...status.replicas.map((r) => ({
      node: r.name,
      url: redactUrl(r.url),
      running: r.running,
      state: r.state ?? '-',
      lsn: r.replayLsn ?? '-',
      'lag bytes': r.lagBytes ?? '-',
      'lag ms': r.lagMs === null ? '-' : r.lagMs.toFixed(1),
    })),
  ];
  console.table(rows);
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
  .action(async (opts: { replicas: number; ephemeral?: boolean; detach?: boolean }) => {
    const dataDir = resolve(program.opts<{ dataDir: string }>().dataDir);
    if (opts.ephemeral && opts.detach) {
      program.error(
        '--detach needs a persistent cluster: an ephemeral one is removed when this process exits',
      );
    }
    const started = performance.now();
    const cluster = await startCluster({ replicas: opts.replicas, ...(opts.ephemeral ? {} : { dataDir }) });
    console.log(
      `${cluster.version}: primary + ${opts.replicas} replica(s) up in ${Math.round(performance.now() - started)} ms`,
    );
    console.log(dataLocation(cluster));
    printStatus(await cluster.status());
    if (!opts.ephemeral)
      console.log(`superuser password: in ${resolve(dataDir, 'cluster.json')} (never printed)`);
    if (opts.detach) {
      cluster.detach();
      console.log('detached; stop with: pg-devcluster down');
      return;
    }
    console.log('Ctrl-C stops the cluster');
  });

program
  .command('status')
  .description('URLs, streaming state and replay lag of a persistent cluster')
  .action(async () => {
    const dataDir = resolve(program.opts<{ dataDir: string }>().dataDir);
    const status = await clusterStatusAt(dataDir);
    if (!status) {
      console.error(`no cluster at ${dataDir}`);
      process.exitCode = 1;
      return;
    }
    printStatus(status);
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
