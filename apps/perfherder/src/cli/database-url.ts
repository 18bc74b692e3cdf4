import { DatabaseUrlError } from '../db/errors.ts';

/**
 * Reads a PostgreSQL connection URL from the environment (`DATABASE_URL` by default) and checks that it
 * is one, so a missing or mistyped setting fails with a message naming the variable instead of a
 * driver error about `localhost:5432`. The URL itself is never put in a message: it holds the password.
 */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env, variable = 'DATABASE_URL'): string {
  const value = env[variable]?.trim();
  if (!value) throw new DatabaseUrlError(variable, 'missing');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DatabaseUrlError(variable, 'invalid');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new DatabaseUrlError(variable, 'invalid');
  }
  return value;
}
