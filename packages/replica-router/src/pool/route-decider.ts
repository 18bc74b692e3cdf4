import type { Classification } from '../classify/classification.ts';
import type { StatementClassifier } from '../classify/statement-classifier.ts';
import type { ReplicaRouter } from '../router/replica-router.ts';
import { markWrote, type RequestScope } from '../scope/request-scope.ts';
import { type Choice, type ReplicaChooser, toPrimary } from './replica-chooser.ts';
import type { ReplicaReadMemo } from './replica-read-memo.ts';
import type { ReplicaSet } from './replica-set.ts';

/** Transaction and session state of one checked-out client (pool.query has none). */
export interface ClientState {
  inTransaction: boolean;
  pinned: boolean;
}

/** Where a statement goes: a replica (`routed`), or the primary with the reason. */
export type Decision = Choice;

/**
 * Where a statement goes, and nothing else: no statement runs here. Unknown means primary: every branch that cannot
 * prove a read returns a primary reason. The read memo it fills is the dispatcher's too (it keeps a remembered
 * read's hedging shape).
 */
export class RouteDecider {
  readonly #replicas: ReplicaSet | undefined;
  readonly #chooser: ReplicaChooser | undefined;
  readonly #classifier: StatementClassifier | undefined;
  readonly #router: ReplicaRouter;
  /** Texts known to be replica reads: in an opted-in scope they skip the classifier and the router. */
  readonly #readMemo: ReplicaReadMemo;

  constructor(options: {
    replicas: ReplicaSet | undefined;
    chooser: ReplicaChooser | undefined;
    classifier: StatementClassifier | undefined;
    router: ReplicaRouter;
    readMemo: ReplicaReadMemo;
  }) {
    this.#replicas = options.replicas;
    this.#chooser = options.chooser;
    this.#classifier = options.classifier;
    this.#router = options.router;
    this.#readMemo = options.readMemo;
  }

  /**
   * Where a statement goes. `state` is the checked-out client's (undefined for pool.query, where
   * BEGIN and session statements are meaningless across pooled connections and simply go to the
   * primary). Classification happens only when routing is enabled. Call it once the classifier's parser is loaded:
   * the classification, and so the transaction and pinning state, is synchronous; only the choice of a replica
   * under a causal token may have to ask the replicas (then the decision is a promise). `scope`: the request's.
   */
  decide(
    sql: string,
    state: ClientState | undefined,
    scope: RequestScope | undefined,
  ): Decision | Promise<Decision> {
    if (!this.#replicas) return toPrimary.routing_disabled;
    const live = scope !== undefined && !scope.ended;
    const inScope = live && scope.useReplica;
    // A request that may not read from a replica is still watched for writes when it owes a causal token.
    const tracked = live && scope.causal !== undefined;
    if (!inScope && !state && !tracked) return toPrimary.not_in_scope;
    // A known replica read: what the classifier and the router would conclude below, without asking them.
    if (inScope && !state?.inTransaction && !state?.pinned && this.#readMemo.has(sql)) {
      return heldOnPrimary(scope!) ?? this.#chooser!.choose(scope!.causal);
    }
    const c = this.#classifier!.classify(sql);
    // Read-your-writes within a request: a statement that may have written sends the request's later
    // reads to the primary, also when it ran inside a transaction or on a pinned client.
    if ((inScope || tracked) && (c.verdict === 'write' || c.verdict === 'unknown')) markWrote(scope!);
    if (state?.inTransaction) {
      if (c.verdict === 'end') state.inTransaction = false;
      return toPrimary.in_transaction;
    }
    if (c.verdict === 'begin' || c.verdict === 'end') {
      if (state && c.verdict === 'begin') state.inTransaction = true;
      return toPrimary.in_transaction;
    }
    if (state?.pinned) return toPrimary.session_state;
    if (c.verdict === 'session') {
      if (state) state.pinned = true;
      return toPrimary.session_state;
    }
    if (!inScope) return toPrimary.not_in_scope;
    return this.#decideInScope(scope!, c, sql);
  }

  #decideInScope(scope: RequestScope, c: Classification, sql: string): Decision | Promise<Decision> {
    if (c.verdict === 'write') return toPrimary.write;
    if (c.verdict !== 'read') return toPrimary.unknown_statement;
    const held = heldOnPrimary(scope);
    if (held) return held;
    if (this.#router.dbForRead(c.tables, true) !== 'read_replica') return toPrimary.table_not_allowed;
    this.#readMemo.remember(sql);
    return this.#chooser!.choose(scope.causal);
  }

  /**
   * Whether a statement the primary ran counts as the request having seen the primary's newest state (the causal
   * bookkeeping of `monotonic`, see StatementDispatcher.noteOnPrimary): it names no table (it may observe the whole
   * database through a function), its text is unknown, or it names a table that may read from a replica.
   */
  observesPrimary(sql: string | undefined): boolean {
    if (sql === undefined || !this.#classifier) return true;
    const c = this.#classifier.classify(sql);
    const routable = (table: string) => this.#router.allowList.has(this.#router.appOf(table) ?? '');
    return c.verdict === 'unknown' || c.tables.length === 0 || c.tables.some(routable);
  }
}

/** The request's own reason to keep a replica read on the primary: it fell back, or it wrote. */
function heldOnPrimary(scope: RequestScope): Decision | undefined {
  if (scope.fellBack) return toPrimary.fallback;
  if (scope.wrote) return toPrimary.after_write;
  return undefined;
}
