/**
 * Entry point of the admin commands (`npm run db:migrate`, `db:seed`, `user:create`).
 * Errors print as one line with their stable code; a stack trace only helps for unexpected ones.
 */
import { DbError } from '../db/errors.ts';
import { adminProgram } from './admin-program.ts';

const program = adminProgram(process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  interactive: process.stdout.isTTY === true,
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof DbError) process.stderr.write(`error ${error.code}: ${error.message}\n`);
  else if (error instanceof Error && 'code' in error) {
    process.stderr.write(`error ${String(error.code)}: ${error.message}\n`);
  } else process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
