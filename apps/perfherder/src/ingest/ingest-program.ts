import { Command, InvalidArgumentError } from 'commander';
import { databaseUrlFromEnv } from '../cli/database-url.ts';
import { ingestProgressReporter } from './ingest-progress-reporter.ts';
import { MAX_INGEST_DURATION_MS, MAX_INGEST_RATE, runIngest } from './run-ingest.ts';

/** Where the command writes: the summary to `out`, progress to `progress` (stderr). */
export interface IngestOutput {
  readonly out: (line: string) => void;
  readonly progress: { isTTY?: boolean; write(chunk: string): unknown };
}

function positive(max: number, unit: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || n > max) throw new InvalidArgumentError(`${unit} in (0, ${max}]`);
    return n;
  };
}

function seedNumber(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('a non-negative integer');
  return n;
}

/**
 * `perfherder-ingest --rate <datums/s> --duration <s>`: writes pushes, jobs and datums into the database of
 * `DATABASE_URL` (the primary) until the duration ends or the signal aborts (Ctrl-C), then prints a summary.
 *
 * @example
 * await ingestProgram(env, output, signal).parseAsync(['node', 'ingest', '--rate', '500', '--duration', '60']);
 */
export function ingestProgram(env: NodeJS.ProcessEnv, output: IngestOutput, signal?: AbortSignal): Command {
  return new Command('perfherder-ingest')
    .description(
      'write pushes, jobs and performance datums at a steady rate into DATABASE_URL (the primary), ' +
        "as Perfherder's ingestion does",
    )
    .requiredOption('--rate <datums/s>', 'datums per second', positive(MAX_INGEST_RATE, 'datums/s'))
    .requiredOption(
      '--duration <seconds>',
      `how long to write (at most ${MAX_INGEST_DURATION_MS / 1000} s; Ctrl-C stops earlier)`,
      positive(MAX_INGEST_DURATION_MS / 1000, 'seconds'),
    )
    .option('--seed <n>', 'PRNG seed (mixed with the newest push id, so reruns differ)', seedNumber, 1)
    .showHelpAfterError()
    .action(async (opts: { rate: number; duration: number; seed: number }) => {
      const url = databaseUrlFromEnv(env);
      const reporter = ingestProgressReporter(output.progress);
      let result: Awaited<ReturnType<typeof runIngest>>;
      try {
        result = await runIngest(url, {
          ratePerSecond: opts.rate,
          durationMs: opts.duration * 1000,
          seed: opts.seed,
          onProgress: reporter.update,
          ...(signal ? { signal } : {}),
        });
      } finally {
        reporter.stop();
      }
      const seconds = result.elapsedMs / 1000;
      output.out(
        `${result.aborted ? 'interrupted' : 'done'} after ${seconds.toFixed(1)} s: ${result.datums} datums ` +
          `(${result.achievedRate.toFixed(0)}/s of ${opts.rate}/s), ${result.jobs} jobs, ${result.pushes} pushes, ` +
          `${result.signatureUpdates} signature last_updated bumps, ` +
          `${(result.walBytes / 1024 / 1024).toFixed(1)} MB of primary WAL`,
      );
    });
}
