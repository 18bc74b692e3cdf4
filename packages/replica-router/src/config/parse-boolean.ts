import { RouterConfigError } from '../errors.ts';

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** The accepted spellings, for error messages and docs. */
export const booleanSpellings = 'true/false, 1/0, yes/no, on/off';

/** Strict boolean: one of the accepted spellings (case-insensitive), else undefined. */
export function parseBoolean(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  return undefined;
}

/**
 * A boolean environment variable: unset or blank → `fallback`; one of the accepted spellings; anything else
 * throws {@link RouterConfigError} naming the variable and the spellings.
 *
 * @example
 * const alertReads = booleanVariable(process.env, 'READ_REPLICA_ALERT_READS', false);
 */
export function booleanVariable(env: NodeJS.ProcessEnv, variable: string, fallback: boolean): boolean {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  const parsed = parseBoolean(raw);
  if (parsed === undefined) {
    throw new RouterConfigError(variable, `must be one of ${booleanSpellings} (got "${raw}")`);
  }
  return parsed;
}
