import type { FunctionPolicy } from './function-policy.ts';
import { isTemporaryRelation } from './is-temporary-relation.ts';
import { qualifiedName } from './qualified-name.ts';

/** What a generic walk over one statement's parse tree found, wherever in the tree it was. */
export interface TreeFacts {
  /** Relations referenced, deduplicated, in first-seen order, CTE references excluded. */
  readonly tables: string[];
  /** The first data-modifying statement kind nested inside (a writable CTE when the top is a SELECT). */
  writableCte?: string;
  /** The first row-locking clause, e.g. `FOR NO KEY UPDATE`. */
  lock?: string;
  /** Set when a `SELECT ... INTO` was found; `temp` when the target is a temporary table. */
  into?: { readonly temp: boolean };
  /** Why the first function call that is not read-only makes the statement a write. */
  unsafeFunction?: string;
  /** Why the first function call that creates session state pins the client. */
  sessionFunction?: string;
}

type AstObject = Record<string, unknown>;

const lockLabels: Readonly<Record<string, string>> = {
  LCS_FORKEYSHARE: 'FOR KEY SHARE',
  LCS_FORSHARE: 'FOR SHARE',
  LCS_FORNOKEYUPDATE: 'FOR NO KEY UPDATE',
  LCS_FORUPDATE: 'FOR UPDATE',
};

/**
 * Walks every object of the JSON parse tree, not a list of known positions: libpg-query emits most child
 * nodes wrapped (`{ FuncCall: {...} }`) but typed fields unwrapped (`relation`, set-operation `larg`/`rarg`,
 * `CallStmt.funccall`), so nodes are recognised by their shape. A position this code has never heard of is
 * still searched, which is what makes "no writing function anywhere" a proof rather than a hope.
 */
export function collectTreeFacts(root: unknown, policy: FunctionPolicy): TreeFacts {
  const walker = new Walker(policy);
  if (typeof root === 'object' && root !== null) walker.visit(root, emptyScope);
  return walker.facts;
}

/** The CTE names visible at a point of the tree; an unqualified relation with such a name is the CTE. */
type Scope = ReadonlySet<string>;
const emptyScope: Scope = new Set();

class Walker {
  readonly facts: TreeFacts = { tables: [] };
  readonly #seenTables = new Set<string>();
  readonly #policy: FunctionPolicy;

  constructor(policy: FunctionPolicy) {
    this.#policy = policy;
  }

  visit(value: object, scope: Scope): void {
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'object' && item !== null) this.visit(item, scope);
      return;
    }
    const node = value as AstObject;
    // Looked up before the loop because it scopes its siblings, which the JSON lists before it.
    const withClause = node.withClause;
    const inner = isObject(withClause) ? this.#visitWithClause(withClause, scope) : scope;
    // One pass over the keys that are present, instead of probing each node for every key of interest:
    // probing absent keys on these differently-shaped objects was most of the walk's cost.
    for (const key in node) {
      const child = node[key];
      switch (key) {
        case 'relname':
          if (typeof child === 'string') this.#recordRelation(node, child, scope);
          continue;
        case 'funcname':
          if (Array.isArray(child) && typeof node.funcformat === 'string') {
            this.#recordCall(qualifiedName(child), Array.isArray(node.args) ? node.args : [], 'function');
          }
          continue;
        case 'name':
          this.#inspectOperator(node, child);
          break;
        case 'lockingClause':
          this.#recordLock(child);
          // lockedRels name FROM items (possibly aliases), not relations: nothing else to see in there.
          continue;
        case 'intoClause':
          if (isObject(child) && this.facts.into === undefined) {
            const rel = child.rel;
            this.facts.into = { temp: isObject(rel) && isTemporaryRelation(rel) };
          }
          break;
        case 'withClause':
          continue;
        case 'InsertStmt':
        case 'UpdateStmt':
        case 'DeleteStmt':
        case 'MergeStmt':
          this.facts.writableCte ??= key.slice(0, -'Stmt'.length).toUpperCase();
          break;
      }
      if (typeof child === 'object' && child !== null) this.visit(child, inner);
    }
  }

  // An operator is a function call too; unqualified and pg_catalog operators are trusted (see docs), one
  // from another schema must be configured like a function.
  #inspectOperator(node: AstObject, name: unknown): void {
    if (!Array.isArray(name) || name.length < 2) return;
    if (typeof node.kind !== 'string' || !node.kind.startsWith('AEXPR_')) return;
    const qualified = qualifiedName(name);
    if (qualified.includes('.')) this.#recordCall(qualified, [], 'operator');
  }

  #recordLock(lockingClause: unknown): void {
    if (!Array.isArray(lockingClause) || this.facts.lock !== undefined) return;
    const clause = (lockingClause[0] as { LockingClause?: { strength?: string } } | undefined)?.LockingClause;
    this.facts.lock = lockLabels[clause?.strength ?? ''] ?? 'row-locking clause';
  }

  #recordRelation(node: AstObject, relname: string, scope: Scope): void {
    const schema = typeof node.schemaname === 'string' ? node.schemaname : undefined;
    if (schema === undefined && scope.has(relname)) return;
    const name = schema === undefined ? relname : `${schema}.${relname}`;
    if (this.#seenTables.has(name)) return;
    this.#seenTables.add(name);
    this.facts.tables.push(name);
  }

  #recordCall(name: string, args: readonly unknown[], what: 'function' | 'operator'): void {
    const judgement = this.#policy.judge(name, args);
    if (judgement.verdict === 'session') this.facts.sessionFunction ??= judgement.detail;
    else if (judgement.verdict === 'write') {
      this.facts.unsafeFunction ??=
        what === 'function' ? judgement.detail : `operator ${name} is not known to be read-only`;
    }
  }

  // Non-recursive WITH: each CTE sees the ones before it; WITH RECURSIVE: every CTE sees all of them. The
  // statement body sees all. A reference a CTE cannot see is to a real table and must stay in `tables`.
  #visitWithClause(withClause: AstObject, scope: Scope): Scope {
    const ctes: AstObject[] = Array.isArray(withClause.ctes) ? withClause.ctes.filter(isObject) : [];
    const all = new Set(scope);
    for (const cte of ctes) {
      const name = cteName(cte);
      if (name !== undefined) all.add(name);
    }
    if (withClause.recursive === true) {
      for (const cte of ctes) this.visit(cte, all);
      return all;
    }
    const visible = new Set(scope);
    for (const cte of ctes) {
      this.visit(cte, visible);
      const name = cteName(cte);
      if (name !== undefined) visible.add(name);
    }
    return all;
  }
}

function cteName(cte: unknown): string | undefined {
  const name = (cte as { CommonTableExpr?: { ctename?: unknown } } | undefined)?.CommonTableExpr?.ctename;
  return typeof name === 'string' ? name : undefined;
}

function isObject(value: unknown): value is AstObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
