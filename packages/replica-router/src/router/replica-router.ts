import type { Alias } from './route-reason.ts';

/** An app label, e.g. `perf`, `model`, `auth`. */
export type AppLabel = string;

export interface ReplicaRouterOptions {
  /** Table name → app label. Tables not listed belong to no app and never read from a replica. */
  readonly tableApps: Readonly<Record<string, AppLabel>>;
  /** Apps whose tables may be read from a replica. Default `{perf, model}` as in the reference. */
  readonly allowList?: Iterable<AppLabel>;
}

/** The reference router's contract (Django's database-router methods), over tables instead of models. */
export interface ReplicaRouter {
  readonly allowList: ReadonlySet<AppLabel>;
  /** App label of a table (`public.` prefix ignored), or undefined. */
  appOf(table: string): AppLabel | undefined;
  /**
   * `read_replica` only when the request scope flag is set AND every table is in an allow-listed app;
   * otherwise `default`.
   */
  dbForRead(tables: readonly string[], inReplicaScope: boolean): Alias;
  /** Always `default`: writes never go to a replica. */
  dbForWrite(): Alias;
  /** Objects from `default` and `read_replica` may relate (they hold the same data); else undecided. */
  allowRelation(a: Alias | string, b: Alias | string): boolean | undefined;
  /** `false` for the replica (migrations never run there); undecided for any other alias. */
  allowMigrate(alias: Alias | string): boolean | undefined;
}

/** The reference's allow-list. `auth`, sessions and anything unlisted always read from the primary. */
export const DEFAULT_ALLOW_LIST: readonly AppLabel[] = ['perf', 'model'];

const ALIASES = new Set<string>(['default', 'read_replica']);

/**
 * @example
 * const router = createReplicaRouter({ tableApps: { performance_datum: 'perf', auth_user: 'auth' } });
 * router.dbForRead(['performance_datum'], true); // 'read_replica'
 * router.dbForRead(['auth_user'], true);         // 'default'
 */
export function createReplicaRouter(options: ReplicaRouterOptions): ReplicaRouter {
  const allowList: ReadonlySet<AppLabel> = new Set(options.allowList ?? DEFAULT_ALLOW_LIST);
  const tableApps = new Map(Object.entries(options.tableApps).map(([t, app]) => [t.toLowerCase(), app]));
  const appOf = (table: string): AppLabel | undefined => {
    const name = table.startsWith('public.') ? table.slice('public.'.length) : table;
    return tableApps.get(name) ?? tableApps.get(name.toLowerCase());
  };
  return {
    allowList,
    appOf,
    dbForRead(tables, inReplicaScope) {
      if (!inReplicaScope) return 'default';
      for (const table of tables) {
        const app = appOf(table);
        if (app === undefined || !allowList.has(app)) return 'default';
      }
      return 'read_replica';
    },
    dbForWrite: () => 'default',
    allowRelation: (a, b) => (ALIASES.has(a) && ALIASES.has(b) ? true : undefined),
    allowMigrate: (alias) => (alias === 'read_replica' ? false : undefined),
  };
}
