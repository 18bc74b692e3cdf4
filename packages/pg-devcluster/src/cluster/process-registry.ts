/**
 * Makes sure no postgres process outlives the Node process that started it: on a normal exit, an
 * uncaught exception (both fire 'exit'), SIGINT, SIGTERM or SIGHUP every registered server is stopped.
 * Tests check this with a child process that starts a cluster and dies in each of those ways.
 */
export interface Stoppable {
  /** Graceful stop (may take a moment). */
  stop(): Promise<void>;
  /** Last resort from the synchronous 'exit' handler: signal the postmaster and clean up what can be. */
  stopSync(): void;
}

const live = new Set<Stoppable>();
let installed = false;

function onSignal(signal: NodeJS.Signals): void {
  const others = process.listenerCount(signal) > 1;
  void Promise.allSettled([...live].map((s) => s.stop())).then(() => {
    if (others) return; // the application handles this signal too and decides when to exit
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  });
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const s of live) s.stopSync();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}

export function register(s: Stoppable): void {
  install();
  live.add(s);
}

export function unregister(s: Stoppable): void {
  live.delete(s);
}
