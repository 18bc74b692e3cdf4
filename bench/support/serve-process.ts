/**
 * Starts bench/support/serve-checkout.ts for one checkout in a child process (the benchmarks that time the
 * service from outside: speed.ts, tail.ts) and resolves once it prints `listening <url>`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ServeOptions {
  /** The checkout whose app is served (its own sources and node_modules). */
  readonly checkout: string;
  readonly primaryUrl: string;
  readonly replicaUrl: string;
  /** Node flags before the loader's (e.g. V8 heap flags). */
  readonly nodeFlags?: readonly string[];
  /** Modules loaded with `--import` before the server script. */
  readonly preload?: readonly string[];
  /** More environment variables for the child. */
  readonly env?: NodeJS.ProcessEnv;
  /** An IPC channel to the child (`child.send`, 'message'). */
  readonly ipc?: boolean;
}

export async function serveCheckout(options: ServeOptions): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeFlags ?? []),
      '--conditions=@perfherder/source',
      '--import',
      'tsx',
      ...(options.preload ?? []).flatMap((module) => ['--import', module]),
      join(import.meta.dirname, 'serve-checkout.ts'),
      options.checkout,
    ],
    {
      cwd: options.checkout,
      env: {
        ...process.env,
        ...options.env,
        PRIMARY_URL: options.primaryUrl,
        REPLICA_URL: options.replicaUrl,
      },
      stdio: ['ignore', 'pipe', 'inherit', ...(options.ipc ? (['ipc'] as const) : [])],
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    const match = /^listening (\S+)/.exec(line);
    if (match?.[1]) return { child, url: match[1] };
  }
  throw new Error(`${options.checkout}: the server exited before listening`);
}
