/** Markdown pieces the report's sections share: tables, numbers, the run's machine line. */

export type Cell = string | number | null | undefined;

/** A GitHub-flavoured table; numbers right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const numeric = headers.map(
    (_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] == null),
  );
  const cell = (c: Cell) =>
    c === null || c === undefined ? '–' : String(c).replaceAll('|', '\\|').replaceAll('\n', ' ');
  return [
    `| ${headers.join(' | ')} |`,
    `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${headers.map((_, i) => cell(r[i])).join(' | ')} |`),
  ].join('\n');
}

/** `x` with `digits` decimals, or '–' when missing. */
export function fixed(x: number | null | undefined, digits: number): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

/**
 * The range of `xs` in whole units: `17–46`, or `−1 to +46` when it spans zero (a dash between a minus sign and a
 * number would read as one).
 */
export function range(xs: readonly number[]): string {
  const low = Math.min(...xs);
  const high = Math.max(...xs);
  if (low >= 0) return `${fixed(low, 0)}–${fixed(high, 0)}`;
  const signed = (x: number) => `${x < 0 ? '−' : '+'}${fixed(Math.abs(x), 0)}`;
  return `${signed(low)} to ${signed(high)}`;
}

/** The machine a result file was measured on, and its load average then. */
export interface RunEnvironment {
  readonly date?: string;
  readonly node?: string;
  readonly postgres?: string;
  readonly cpu?: string;
  readonly cpuCount?: number;
  readonly loadAverage?: readonly number[];
}

export function environmentLine(env: RunEnvironment): string {
  const load = env.loadAverage?.map((l) => l.toFixed(2)).join(' / ') ?? 'unknown';
  const parts = [
    env.date ? `measured ${env.date.slice(0, 16).replace('T', ' ')} UTC` : undefined,
    env.cpuCount ? `${env.cpuCount} × ${env.cpu ?? 'CPU'}` : undefined,
    `load average ${load} (1/5/15 min)`,
    env.node ? `Node ${env.node}` : undefined,
    env.postgres,
  ].filter((p): p is string => p !== undefined);
  return `_${parts.join(', ')}._`;
}

/** The line a section shows when its results file is missing: which command produces it. */
export function missing(file: string, command: string): string {
  return `_No results yet: \`bench/results/${file}\` is missing. Produce it with \`${command}\`._`;
}
