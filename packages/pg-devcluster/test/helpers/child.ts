import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { processAlive } from '../../src/cluster/process-alive.ts';

export interface Started {
  pids: number[];
  dataDir: string;
  child: ReturnType<typeof spawn>;
  exited: Promise<number | null>;
}

const script = join(import.meta.dirname, 'start-then.ts');
// Absolute, so the child finds the loader whatever its working directory.
const tsx = import.meta.resolve('tsx');

/** Start `start-then.ts` in a child node process and resolve once it printed its pids. */
export function startChild(
  how: string,
  dataDir?: string,
  options: { uid?: number; gid?: number; cwd?: string; root?: string } = {},
): Promise<Started> {
  // `root`: run the copy of this helper inside another checkout of the repository.
  const { root, ...spawnOptions } = options;
  const [loader, file] = root
    ? [
        pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href,
        join(root, 'packages', 'pg-devcluster', 'test', 'helpers', 'start-then.ts'),
      ]
    : [tsx, script];
  const child = spawn(process.execPath, ['--import', loader, file, how, ...(dataDir ? [dataDir] : [])], {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...spawnOptions,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ ...(JSON.parse(line) as { pids: number[]; dataDir: string }), child, exited });
    });
    void exited.then((code) => reject(new Error(`child exited with ${code} before starting:\n${err}`)));
  });
}

export const alive = processAlive;

/** Wait (bounded) until none of `pids` is alive; returns the ones still alive. */
export async function waitGone(pids: number[], timeoutMs = 15_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!pids.some(alive)) return [];
    await sleep(50);
  }
  return pids.filter(alive);
}
