/**
 * The slowest statements a benchmark sent, with plans: pg_stat_statements says which statements were slow
 * (normalized text, no parameters); an in-process capture of what the app sent to `pg` supplies the
 * parameters, matched by query id (`EXPLAIN (VERBOSE)` prints the same id pg_stat_statements keys on).
 */
import pg from 'pg';

interface Captured {
  readonly text: string;
  readonly values: readonly unknown[];
}

/** One of the slowest statements on a server, with its replayed plan. */
export interface SlowStatement {
  readonly server: 'replica' | 'primary';
  readonly queryid: string;
  readonly calls: number;
  readonly meanMs: number;
  readonly maxMs: number;
  readonly rows: number;
  readonly query: string;
  /** `EXPLAIN (ANALYZE, BUFFERS)` output; null when the statement was not captured in this process. */
  readonly plan: string | null;
  readonly planSummary: string;
}

const captured = new Map<string, Captured>();
const MAX_CAPTURED = 5000;

/**
 * Records the first parameters sent with each distinct SQL text by any `pg.Client` of this process (the
 * app's routed pool included). Call once, before the app is built.
 */
export function captureStatements(): void {
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...a: unknown[]) {
    const [config, second] = a;
    let text: string | undefined;
    let values: unknown = second;
    if (typeof config === 'string') text = config;
    else if (config && typeof config === 'object' && 'text' in config && typeof config.text === 'string') {
      text = config.text;
      if ('values' in config && config.values) values = config.values;
    }
    if (
      text &&
      !captured.has(text) &&
      captured.size < MAX_CAPTURED &&
      /^\s*(select|with|insert|update|delete)/i.test(text)
    ) {
      captured.set(text, { text, values: Array.isArray(values) ? values : [] });
    }
    return original.apply(this, a);
  };
}

const TOP = `
  SELECT queryid::text AS queryid, calls::int, mean_exec_time, max_exec_time, rows::bigint, query
  FROM pg_stat_statements
  WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND toplevel AND query NOT ILIKE '%pg_stat_statements%'
    AND query !~* '^\\s*(begin|commit|rollback|set|show|reset|explain|discard|deallocate|start)'
  ORDER BY mean_exec_time DESC LIMIT $1`;

async function capturedByQueryId(primary: pg.ClientBase): Promise<Map<string, Captured>> {
  const byId = new Map<string, Captured>();
  for (const c of captured.values()) {
    try {
      const plan = await primary.query(`EXPLAIN (VERBOSE, FORMAT TEXT) ${c.text}`, [...c.values]);
      const line = plan.rows
        .map((r) => r['QUERY PLAN'] as string)
        .find((l) => l.includes('Query Identifier'));
      const id = line?.match(/Query Identifier: (-?\d+)/)?.[1];
      if (id) byId.set(id, c);
    } catch {
      // Not explainable on its own (e.g. needs a temp table of its transaction): left without a plan.
    }
  }
  return byId;
}

// Reads replay on the replica; anything else on the primary inside a rolled-back transaction.
async function explain(c: Captured, primary: pg.ClientBase, replica: pg.ClientBase): Promise<string> {
  const isRead = /^\s*(select|with)\b/i.test(c.text) && !/\b(insert|update|delete)\b/i.test(c.text);
  const target = isRead ? replica : primary;
  if (!isRead) await target.query('BEGIN');
  try {
    const plan = await target.query(`EXPLAIN (ANALYZE, BUFFERS) ${c.text}`, [...c.values]);
    return plan.rows.map((r) => r['QUERY PLAN'] as string).join('\n');
  } finally {
    if (!isRead) await target.query('ROLLBACK');
  }
}

/**
 * One line per plan: the top node, the distinct scans (a Seq Scan on a big table is the usual culprit),
 * execution time and the top node's buffers.
 */
export function summarizePlan(plan: string | null): string {
  if (!plan) return 'no plan (statement not captured)';
  const lines = plan.split('\n');
  const nodes = lines
    .map((l) => l.match(/^\s*(?:->\s+)?([A-Z][A-Za-z ]+?(?: using \S+)?(?: on \S+(?: \w+)?)?)\s+\(cost/)?.[1])
    .filter((n): n is string => Boolean(n));
  const scans = [...new Set(nodes.filter((n) => / Scan/.test(n)))];
  const time = lines.find((l) => l.startsWith('Execution Time'))?.replace('Execution Time: ', '') ?? '';
  const buffers = lines.find((l) => l.trim().startsWith('Buffers:'))?.trim() ?? '';
  return `${nodes[0] ?? '?'}; scans: ${scans.slice(0, 5).join(', ') || 'none'}; exec ${time}; ${buffers}`;
}

/**
 * The `limit` slowest distinct statements by `mean_exec_time` on the replica and on the primary, each
 * replayed with `EXPLAIN (ANALYZE, BUFFERS)` and the parameters the app sent.
 */
export async function slowestStatements(
  primary: pg.ClientBase,
  replica: pg.ClientBase,
  limit = 5,
): Promise<SlowStatement[]> {
  // Both lists first: the replays below would otherwise count themselves.
  const tops = [
    ['replica', (await replica.query(TOP, [limit])).rows],
    ['primary', (await primary.query(TOP, [limit])).rows],
  ] as const;
  const byId = await capturedByQueryId(primary);
  const out: SlowStatement[] = [];
  for (const [server, rows] of tops) {
    for (const row of rows) {
      const c = byId.get(row.queryid);
      const plan = c
        ? await explain(c, primary, replica).catch((e: Error) => `EXPLAIN failed: ${e.message}`)
        : null;
      out.push({
        server,
        queryid: row.queryid,
        calls: row.calls,
        meanMs: Math.round(row.mean_exec_time * 100) / 100,
        maxMs: Math.round(row.max_exec_time * 100) / 100,
        rows: Number(row.rows),
        query: row.query,
        plan,
        planSummary: summarizePlan(plan),
      });
    }
  }
  return out;
}
