// The node:test recipe of docs/dev-cluster.md for Node 20 and 22 (no --test-global-setup there):
// one cluster for the whole run, shared with every test file through PG_DEVCLUSTER_URLS; each file
// takes a database of its own with createTestDatabase(). Usage: node run-tests.mjs [test files]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startCluster } from 'pg-devcluster';

const files = process.argv.slice(2);
const cluster = await startCluster({ replicas: 1 });
let code = 1;
try {
  const env = { ...process.env, PG_DEVCLUSTER_URLS: JSON.stringify(cluster.urls()) };
  const child = spawn(process.execPath, ['--test', ...(files.length ? files : ['test/'])], {
    stdio: 'inherit',
    env,
  });
  [code] = await once(child, 'exit');
} finally {
  await cluster.stop();
}
process.exit(code ?? 1);
