import { readOnlyFunctions } from './read-only-functions.ts';

/** What a single function call does to the statement that contains it. */
export type FunctionJudgement =
  | { readonly verdict: 'read' }
  | { readonly verdict: 'write' | 'session'; readonly detail: string };

/** Decides, for one call found in the parse tree, whether it keeps the statement read-only. */
export interface FunctionPolicy {
  /**
   * @param name the resolved name: `pg_catalog.` stripped, other schemas kept as `schema.name`.
   * @param args the raw argument nodes of the call, for the few functions whose effect depends on them.
   */
  judge(name: string, args: readonly unknown[]): FunctionJudgement;
}

const READ: FunctionJudgement = Object.freeze({ verdict: 'read' });

// Session-level advisory locks outlive the transaction and belong to one backend: the client must keep
// talking to that backend, so these pin rather than merely write. The `_xact_` variants end with the
// transaction and are plain writes (they are simply absent from the read-only set).
const sessionLockFunctions: ReadonlySet<string> = new Set([
  'pg_advisory_lock',
  'pg_advisory_lock_shared',
  'pg_try_advisory_lock',
  'pg_try_advisory_lock_shared',
  'pg_advisory_unlock',
  'pg_advisory_unlock_shared',
  'pg_advisory_unlock_all',
]);

/**
 * Builds the policy from the built-in read-only set plus the configured names. Configured names are folded to
 * lower case the way the server folds unquoted identifiers, and `pg_catalog.x` is the same as `x`. They can
 * widen the read-only set but never un-pin a session-level function: that knowledge is not configuration.
 */
export function createFunctionPolicy(configured: Iterable<string> = []): FunctionPolicy {
  const allowed = new Set(readOnlyFunctions);
  for (const raw of configured) allowed.add(normalizeConfiguredName(raw));
  return {
    judge(name, args) {
      if (sessionLockFunctions.has(name)) {
        return { verdict: 'session', detail: `session-level advisory lock function ${name}` };
      }
      if (name === 'setseed') {
        return { verdict: 'session', detail: 'setseed changes the session random seed' };
      }
      if (name === 'set_config') return judgeSetConfig(args);
      if (allowed.has(name)) return READ;
      return { verdict: 'write', detail: `function ${name} is not known to be read-only` };
    },
  };
}

function normalizeConfiguredName(raw: string): string {
  const name = raw.trim().toLowerCase();
  return name.startsWith('pg_catalog.') ? name.slice('pg_catalog.'.length) : name;
}

// set_config(name, value, is_local): with is_local = true it is SET LOCAL (gone at transaction end, no pin);
// anything else, including a parameter we cannot see, is a session-level SET.
function judgeSetConfig(args: readonly unknown[]): FunctionJudgement {
  if (isTrueLiteral(args[2])) return { verdict: 'write', detail: 'set_config with is_local = true' };
  return { verdict: 'session', detail: 'set_config changes a session setting' };
}

function isTrueLiteral(node: unknown): boolean {
  const constant = (node as { A_Const?: { boolval?: { boolval?: boolean }; sval?: { sval?: string } } })
    ?.A_Const;
  if (constant === undefined) return false;
  if (constant.boolval?.boolval === true) return true;
  const text = constant.sval?.sval?.toLowerCase();
  return text === 'true' || text === 't' || text === 'on' || text === 'yes';
}
