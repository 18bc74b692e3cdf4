/**
 * Rows of text as aligned columns for a terminal: the header, a rule under it, then the rows, two spaces
 * between columns, no trailing blanks. Columns whose index is in `right` are right-aligned (numbers).
 *
 * @example
 * formatTable(['node', 'lag ms'], [['replica_1', '0.4']], new Set([1]));
 * // node       lag ms
 * // ---------  ------
 * // replica_1     0.4
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: ReadonlySet<number> = new Set(),
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    widths
      .map((w, i) => (right.has(i) ? (cells[i] ?? '').padStart(w) : (cells[i] ?? '').padEnd(w)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
