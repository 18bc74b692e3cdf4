/**
 * Preloaded into a service process by bench/tail.ts (`--import` after tsx): records, from the process itself,
 * every garbage collection (PerformanceObserver 'gc' entries: kind, start, duration), the event-loop delay
 * (perf_hooks.monitorEventLoopDelay, sampled every millisecond) and each HTTP request's time in the
 * process (diagnostics channels `http.server.request.start` → `http.server.response.finish`). The parent asks
 * over the IPC channel: `reset` starts a new window, `report` answers the window's records; `profile-start` and
 * `profile-stop` take a sampled allocation profile (written to `TAIL_PROFILE`; `TAIL_PROFILE_MINOR=0`: only what
 * outlived scavenges). No effect on the service's answers.
 */
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import {
  constants,
  type IntervalHistogram,
  monitorEventLoopDelay,
  PerformanceObserver,
} from 'node:perf_hooks';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

interface GcRecord {
  /** Epoch ms (performance.timeOrigin + startTime), to line up with the client's clock. */
  readonly start: number;
  readonly ms: number;
  readonly kind: 'scavenge' | 'mark-compact' | 'incremental' | 'weak-callbacks' | 'other';
}
const kinds: Record<number, GcRecord['kind']> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};
let gcs: GcRecord[] = [];
let handled: { start: number; ms: number }[] = [];
let delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
const origin = performance.timeOrigin;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind ?? -1;
    gcs.push({ start: origin + entry.startTime, ms: entry.duration, kind: kinds[kind] ?? 'other' });
  }
}).observe({ entryTypes: ['gc'] });
// On the request, not in a WeakMap: V8's scavenger keeps WeakMap values alive (see replica-router's fastify.ts).
const STARTED = Symbol('tail-probe started');
type Stamped = { [STARTED]?: number };
subscribe('http.server.request.start', (message) => {
  (message as { request: Stamped }).request[STARTED] = performance.now();
});
subscribe('http.server.response.finish', (message) => {
  const at = (message as { request: Stamped }).request[STARTED];
  if (at !== undefined) handled.push({ start: origin + at, ms: performance.now() - at });
});
let session: Session | undefined;
const post = (method: string, params: object = {}) =>
  new Promise<unknown>((done, fail) =>
    session?.post(method, params, (error, result) => (error ? fail(error) : done(result))),
  );
process.on('message', async (message) => {
  if (message === 'profile-start') {
    // Sampled allocations, including objects a scavenge or a mark-compact collected since: what a request
    // allocates, and (collected by a mark-compact only) what lived long enough to be promoted.
    session = new Session();
    session.connect();
    await post('HeapProfiler.startSampling', {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: process.env.TAIL_PROFILE_MINOR !== '0',
    });
    process.send?.({ started: true });
  } else if (message === 'profile-stop') {
    // Collect what a scavenge would (twice: survivors move once inside the young generation), so that what
    // the profile still holds lived through scavenges.
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (options: { type: string }) => void;
    gc({ type: 'minor' });
    gc({ type: 'minor' });
    const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
    session?.disconnect();
    const file = process.env.TAIL_PROFILE ?? 'tail.heapprofile';
    writeFileSync(file, JSON.stringify(profile));
    process.send?.({ file });
  } else if (message === 'reset') {
    gcs = [];
    handled = [];
    delay.disable();
    delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    process.send?.({ reset: true });
  } else if (message === 'report') {
    const ns = (p: number) => delay.percentile(p) / 1e6;
    process.send?.({
      gcs,
      handled,
      eventLoopDelay: { p50: ns(50), p99: ns(99), max: delay.max / 1e6, count: delay.count },
      heap: process.memoryUsage(),
    });
  }
});
