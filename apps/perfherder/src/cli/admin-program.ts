import { Command, InvalidArgumentError } from 'commander';
import pg from 'pg';
import { createUser } from '../auth/create-user.ts';
import { issueToken } from '../auth/issue-token.ts';
import { migrate } from '../db/migrate.ts';
import { isSeedSize, type SeedSize, seed } from '../seed/index.ts';
import { databaseUrlFromEnv } from './database-url.ts';
import { seedProgressReporter } from './seed-progress.ts';

/** Where the commands write: results to `out` (stdout), everything else to `err` (stderr). */
export interface AdminOutput {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Whether stdout is a terminal: the seed then shows a progress bar (on stderr). */
  readonly interactive: boolean;
}

function seedSize(value: string): SeedSize {
  if (!isSeedSize(value)) throw new InvalidArgumentError('one of tiny, small, medium, large');
  return value;
}

function seedNumber(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('a non-negative integer');
  return n;
}

/**
 * The `perfherder-admin` commands: `migrate`, `seed` and `create-user`, each on the database named by
 * `DATABASE_URL` (the primary).
 *
 * @example
 * await adminProgram(env, output).parseAsync(['node', 'admin', 'seed', '--size', 'tiny']);
 */
export function adminProgram(env: NodeJS.ProcessEnv, output: AdminOutput): Command {
  const program = new Command('perfherder-admin')
    .description('Perfherder database commands; each uses DATABASE_URL (the primary)')
    .showHelpAfterError();

  program
    .command('migrate')
    .description('apply pending migrations (refuses a replica)')
    .action(async () => {
      const { applied } = await migrate(databaseUrlFromEnv(env), { log: (m) => output.err(`migrate: ${m}`) });
      output.out(applied.length === 0 ? 'no pending migrations' : `applied ${applied.join(', ')}`);
    });

  program
    .command('seed')
    .description('fill an empty, migrated database with deterministic sample data')
    .option('--size <size>', 'tiny, small (~50k datums), medium (>1M) or large (>2M)', seedSize, 'small')
    .option('--seed <n>', 'PRNG seed; the same seed and size give the same data', seedNumber, 1)
    .option('--progress', 'show a progress bar even when stdout is not a terminal')
    .action(async (opts: { size: SeedSize; seed: number; progress?: boolean }) => {
      const url = databaseUrlFromEnv(env);
      const reporter = seedProgressReporter(output.interactive || opts.progress === true, output.err);
      const started = performance.now();
      let counts: Readonly<Record<string, number>>;
      try {
        counts = await seed(url, { size: opts.size, seed: opts.seed, onProgress: reporter.update });
      } finally {
        reporter.stop();
      }
      const seconds = (performance.now() - started) / 1000;
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      output.out(`seeded ${opts.size} (seed ${opts.seed}): ${total} rows in ${seconds.toFixed(1)} s`);
      for (const [table, n] of Object.entries(counts)) output.out(`  ${table.padEnd(32)} ${n}`);
    });

  program
    .command('create-user')
    .description('create a user and print its API token once (it cannot be shown again)')
    .argument('<username>')
    .option('--staff', 'a sheriff: may change alert summaries and alerts')
    .option('--email <email>', 'email address', '')
    .action(async (username: string, opts: { staff?: boolean; email: string }) => {
      const url = databaseUrlFromEnv(env);
      const client = new pg.Client({ connectionString: url, application_name: 'perfherder-admin' });
      await client.connect();
      try {
        const user = await createUser(client, { username, email: opts.email, isStaff: opts.staff === true });
        const token = await issueToken(client, user.id);
        output.err(
          `created ${user.isStaff ? 'staff ' : ''}user ${user.username} (id ${user.id}); its token follows, shown this once:`,
        );
        output.out(token);
      } finally {
        await client.end();
      }
    });

  return program;
}
