/**
 * A position in the write-ahead log (PostgreSQL's `pg_lsn`, printed `16/B374D848`) as an unsigned 64-bit
 * integer, so positions compare with `<` and subtract to a byte distance.
 */
export type WalPosition = bigint;

const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/** Parses the server's text form (`X/Y`, hexadecimal halves); undefined for anything else, e.g. NULL. */
export function parseWalPosition(text: string | null | undefined): WalPosition | undefined {
  if (typeof text !== 'string') return undefined;
  const match = LSN.exec(text);
  if (!match) return undefined;
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** The server's text form of a position, e.g. `0/3000148`. */
export function formatWalPosition(position: WalPosition): string {
  return `${(position >> 32n).toString(16).toUpperCase()}/${(position & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** The larger of two positions, either of which may be unknown. */
export function laterWalPosition(
  a: WalPosition | undefined,
  b: WalPosition | undefined,
): WalPosition | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

/** WAL page size (PostgreSQL's default `XLOG_BLCKSZ`) and the longest page header. */
const WAL_PAGE_BYTES = 8192n;
const MAX_PAGE_HEADER_BYTES = 40n;

/**
 * Whether a server that has replayed up to `replay` has everything up to `required`. An insert position taken
 * at a page boundary points past the new page's header (no record lies there), while a replay position is the
 * end of the last record, so a replica at the page's start already has everything before such a position.
 */
export function walPositionCovers(replay: WalPosition, required: WalPosition): boolean {
  if (replay >= required) return true;
  return replay % WAL_PAGE_BYTES === 0n && required - replay <= MAX_PAGE_HEADER_BYTES;
}
