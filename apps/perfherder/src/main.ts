// `npm start`: read the environment, start the service, stop cleanly on Ctrl-C / SIGTERM.
import { readServiceConfig } from './config/service-config.ts';
import { startService } from './server.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

let config: ReturnType<typeof readServiceConfig>;
try {
  config = readServiceConfig(process.env);
} catch (error) {
  // Bad configuration stops start-up with a message naming the variable (never its secret value).
  process.stderr.write(`perfherder: invalid configuration: ${(error as Error).message}\n`);
  process.exit(2);
}

let service: Awaited<ReturnType<typeof startService>>;
try {
  service = await startService(config, say);
} catch (error) {
  // One clear line (driver and data-layer messages carry no password), not a stack trace.
  const { message, code } = error as Error & { code?: string };
  process.stderr.write(`perfherder: cannot start: ${message}${code ? ` (${code})` : ''}\n`);
  process.exit(1);
}
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping`);
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
}
