import type pg from 'pg';
import { SEED_TABLES, type SeedTable } from './seed-tables.ts';

/** Where the generator puts rows. Rows are arrays in the column order of {@link SEED_TABLES}. */
export interface RowSink {
  add(table: SeedTable, row: readonly unknown[]): void;
  /** Lets full batches go out; the generator calls it between pushes. */
  checkpoint(): Promise<void>;
  /** Sends every buffered row and waits for the server. */
  finish(): Promise<void>;
  /** Rows added per table. */
  readonly counts: Readonly<Partial<Record<SeedTable, number>>>;
}

const TABLE_ORDER = Object.keys(SEED_TABLES) as SeedTable[];

function insertSql(table: SeedTable): string {
  const columns = SEED_TABLES[table];
  const names = columns.map(([name]) => `"${name}"`).join(', ');
  const select = columns
    .map(([name, type]) => (type === 'timestamptz' ? `to_timestamp(u."${name}")` : `u."${name}"`))
    .join(', ');
  const arrays = columns.map(([, type], i) => `$${i + 1}::${type === 'timestamptz' ? 'float8' : type}[]`);
  return `INSERT INTO "${table}" (${names}) SELECT ${select} FROM unnest(${arrays.join(', ')}) AS u(${names})`;
}

/**
 * Buffers rows per table and loads them with one `INSERT … SELECT … FROM unnest($1::int4[], …)` per
 * batch: a fixed statement (prepared once per table) whatever the batch size, one round trip per batch.
 *
 * Foreign keys are checked as each statement ends (the seed sets its constraints immediate), so before a
 * batch goes out every table listed above it in {@link SEED_TABLES} is flushed too; a row therefore never
 * reaches the server before the rows it references. One batch is in flight at a time (the connection runs one statement at a time anyway):
 * the generator builds the next batch while the server loads the previous one.
 */
export class BulkWriter implements RowSink {
  readonly #client: pg.ClientBase;
  readonly #batchSize: number;
  readonly #columns = new Map<SeedTable, unknown[][]>();
  readonly #pending = new Map<SeedTable, number>();
  readonly #counts: Partial<Record<SeedTable, number>> = {};
  #inFlight: Promise<unknown> = Promise.resolve();

  constructor(client: pg.ClientBase, options: { batchSize?: number } = {}) {
    this.#client = client;
    this.#batchSize = options.batchSize ?? 5000;
  }

  get counts(): Readonly<Partial<Record<SeedTable, number>>> {
    return this.#counts;
  }

  add(table: SeedTable, row: readonly unknown[]): void {
    let columns = this.#columns.get(table);
    if (!columns) {
      columns = SEED_TABLES[table].map(() => []);
      this.#columns.set(table, columns);
    }
    for (let i = 0; i < columns.length; i++) (columns[i] as unknown[]).push(row[i] ?? null);
    this.#pending.set(table, (this.#pending.get(table) ?? 0) + 1);
    this.#counts[table] = (this.#counts[table] ?? 0) + 1;
  }

  async checkpoint(): Promise<void> {
    for (let i = TABLE_ORDER.length - 1; i >= 0; i--) {
      const table = TABLE_ORDER[i] as SeedTable;
      if ((this.#pending.get(table) ?? 0) >= this.#batchSize) await this.#flushThrough(i);
    }
  }

  async finish(): Promise<void> {
    await this.#flushThrough(TABLE_ORDER.length - 1);
    await this.#inFlight;
  }

  async #flushThrough(index: number): Promise<void> {
    for (let i = 0; i <= index; i++) {
      const table = TABLE_ORDER[i] as SeedTable;
      if ((this.#pending.get(table) ?? 0) > 0) await this.#send(table);
    }
  }

  async #send(table: SeedTable): Promise<void> {
    const values = this.#columns.get(table) ?? [];
    this.#columns.delete(table);
    this.#pending.set(table, 0);
    // A failed batch rejects here, on the next send or in finish(), and stops the run.
    await this.#inFlight;
    this.#inFlight = this.#client.query({ name: `seed_insert_${table}`, text: insertSql(table), values });
    // Keep the rejection observed until someone awaits it, so it is not reported as unhandled.
    this.#inFlight.catch(() => {});
  }
}
