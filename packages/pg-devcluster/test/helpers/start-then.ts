// Child process for lifecycle tests: start a cluster, print its postmaster pids, then end as told.
import { startCluster } from '../../src/index.ts';

const [how, dataDir] = process.argv.slice(2);
const cluster = await startCluster({ replicas: 1, ...(dataDir ? { dataDir } : {}) });
const pids = [cluster.primary.pid, ...cluster.replicas.map((r) => r.pid)];
process.stdout.write(`${JSON.stringify({ pids, dataDir: cluster.dataDir })}\n`);
// Wait for the parent's go (a line on stdin), so it can see the servers alive before we end.
if (how !== 'signal') {
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdin.destroy(); // an open stdin would keep this process alive after 'stop'
}
if (how === 'exit') process.exit(0);
if (how === 'throw') throw new Error('boom: an uncaught exception');
if (how === 'stop') await cluster.stop();
// 'signal': wait for the parent's SIGTERM / SIGINT / SIGKILL
