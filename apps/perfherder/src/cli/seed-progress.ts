import { Presets, SingleBar } from 'cli-progress';
import type { SeedProgress } from '../seed/index.ts';

/** Receives seed progress and renders it; `stop()` once the run ends, successful or not. */
export interface SeedProgressReporter {
  readonly update: (progress: SeedProgress) => void;
  stop(): void;
}

/**
 * A progress bar on stderr (pushes done, rows, rows/s) when `bar` is true, else one line per phase, so
 * logs of non-interactive runs stay short.
 */
export function seedProgressReporter(bar: boolean, write: (line: string) => void): SeedProgressReporter {
  const started = performance.now();
  const rate = (rows: number) => Math.round(rows / Math.max(0.001, (performance.now() - started) / 1000));
  if (!bar) {
    let phase = '';
    return {
      update: (p) => {
        if (p.phase === phase) return;
        phase = p.phase;
        write(`seed: ${p.phase} (${p.pushesDone}/${p.pushesTotal} pushes, ${p.rows} rows)`);
      },
      stop: () => {},
    };
  }
  const progress = new SingleBar(
    {
      format: 'seeding {bar} {percentage}% | {value}/{total} pushes | {rows} rows | {rate} rows/s | {phase}',
      hideCursor: true,
      fps: 5,
      // Asked for explicitly (--progress) on a non-terminal: print a status line every few seconds.
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    Presets.shades_classic,
  );
  let running = false;
  return {
    update: (p) => {
      const payload = { rows: p.rows, rate: rate(p.rows), phase: p.phase };
      if (!running) {
        progress.start(p.pushesTotal, p.pushesDone, payload);
        running = true;
      } else progress.update(p.pushesDone, payload);
    },
    stop: () => {
      if (running) progress.stop();
    },
  };
}
