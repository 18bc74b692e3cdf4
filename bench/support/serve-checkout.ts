/**
 * Child process of bench/speed.ts: builds the Perfherder app of one checkout (the folder in argv[2], its own
 * sources and node_modules) on the databases in the PRIMARY_URL and REPLICA_URL environment variables, with
 * routing on as the service runs it, listens on 127.0.0.1 (a free port) and prints `listening <url>`.
 * `ANSWER_MEMO_BYTES` (bytes; `0`: off) sizes the answer memo of a checkout that has one. Stops on SIGTERM.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.argv[2];
const primaryUrl = process.env.PRIMARY_URL;
const replicaUrl = process.env.REPLICA_URL;
if (!root || !primaryUrl || !replicaUrl)
  throw new Error('usage: serve-checkout.ts <checkout>, PRIMARY_URL, REPLICA_URL');
const load = (path: string) => import(pathToFileURL(join(root, path)).href);
const { build } = await load('apps/perfherder/src/app.ts');
const { createServicePool } = await load('apps/perfherder/src/db/create-service-pool.ts');
const { readRouterConfig } = await load('packages/replica-router/src/index.ts');
const router = { ...readRouterConfig({}), queryTimeoutMs: 60_000 };
const app = await build({
  pool: createServicePool({ ...router, primaryUrl, replicaUrls: [replicaUrl] }),
  closePool: true,
  logger: false,
  ...(process.env.ANSWER_MEMO_BYTES ? { answerMemoBytes: Number(process.env.ANSWER_MEMO_BYTES) } : {}),
});
const url: string = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${url}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
