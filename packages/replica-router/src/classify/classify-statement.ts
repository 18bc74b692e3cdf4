import { parseSync } from 'libpg-query';
import type { Classification, StatementVerdict } from './classification.ts';
import { collectTreeFacts, type TreeFacts } from './collect-tree-facts.ts';
import type { FunctionPolicy } from './function-policy.ts';
import { isTemporaryRelation } from './is-temporary-relation.ts';
import { writeStatementKinds } from './write-statement-kinds.ts';

type AstObject = Readonly<Record<string, unknown>>;

/**
 * Parses one SQL string with the real PostgreSQL parser and classifies it, without caching. The parser must
 * already be loaded. Never throws for bad SQL: whatever cannot be proven is `unknown` and goes to the primary.
 */
export function classifyStatement(sql: string, policy: FunctionPolicy): Classification {
  // libpg-query rejects '' with an exception rather than an empty statement list.
  if (sql.length === 0) return classification('unknown', [], 'empty statement');
  // The parser reads a C string and stops at the first NUL, so it would judge only a prefix of the text.
  if (sql.includes('\0')) return classification('unknown', [], 'NUL character in SQL');
  let stmts: unknown[];
  try {
    stmts = (parseSync(sql).stmts ?? []).map((raw) => raw.stmt);
  } catch {
    return classification('unknown', [], 'parse error');
  }
  if (stmts.length === 0) return classification('unknown', [], 'empty statement');
  try {
    if (stmts.length > 1) {
      // A multi-statement string runs as one implicit transaction on one server: it cannot be split, and
      // deciding from its parts is not worth the risk.
      const tables = [...new Set(stmts.flatMap((stmt) => classifyNode(stmt, policy).tables))];
      return classification('unknown', tables, 'multiple statements');
    }
    return classifyNode(stmts[0], policy);
  } catch (error) {
    // The walk recurses once per tree level; a tree nested thousands deep overflows the stack. Such a
    // statement is not worth an iterative walker: it goes to the primary.
    if (error instanceof RangeError) return classification('unknown', [], 'statement nested too deeply');
    throw error;
  }
}

/** Classifies one wrapped statement node, e.g. `{ SelectStmt: {...} }`. */
function classifyNode(wrapped: unknown, policy: FunctionPolicy): Classification {
  const [kind, body] = Object.entries((wrapped ?? {}) as AstObject)[0] ?? ['', {}];
  const node = (body ?? {}) as AstObject;
  switch (kind) {
    case 'ExplainStmt':
      return classifyExplain(node, policy);
    case 'CopyStmt':
      if (node.query !== undefined) return classifyCopyQuery(node, policy);
      break;
    case 'TransactionStmt':
      return classifyTransaction(node);
    case 'VariableSetStmt':
      return classifySet(node);
  }
  const facts = collectTreeFacts(node, policy);
  const tables = kind === 'DropStmt' ? [...facts.tables, ...droppedRelations(node)] : facts.tables;
  const [verdict, detail] = judge(kind, node, facts);
  // A session-level call pins the client whatever else the statement does.
  if (facts.sessionFunction !== undefined && (verdict === 'read' || verdict === 'write')) {
    return classification('session', tables, facts.sessionFunction);
  }
  return classification(verdict, tables, detail);
}

function judge(kind: string, node: AstObject, facts: TreeFacts): [StatementVerdict, string] {
  switch (kind) {
    case 'SelectStmt':
      return judgeSelect(facts);
    case 'VariableShowStmt':
      return ['read', 'SHOW'];
    case 'CopyStmt':
      if (node.is_from === true) return ['write', 'COPY FROM'];
      if (node.filename !== undefined || node.is_program === true) {
        return ['write', 'COPY TO a server file or program'];
      }
      return ['read', 'COPY TO STDOUT'];
    case 'DeclareCursorStmt':
      // A WITH HOLD cursor outlives its transaction, so the connection holding it must stay with the client.
      return (Number(node.options) & cursorOptionHold) !== 0
        ? ['session', 'DECLARE CURSOR WITH HOLD']
        : ['write', 'DECLARE CURSOR needs a transaction'];
    case 'CreateStmt':
    case 'CreateSeqStmt':
    case 'ViewStmt':
    case 'CreateTableAsStmt': {
      const target = node.relation ?? node.sequence ?? node.view ?? (node.into as AstObject | undefined)?.rel;
      if (typeof target === 'object' && target !== null && isTemporaryRelation(target as AstObject)) {
        return ['session', 'creates a temporary relation'];
      }
      return ['write', 'DDL'];
    }
    case 'PrepareStmt':
      return ['session', 'PREPARE'];
    case 'DeallocateStmt':
      return ['session', 'DEALLOCATE'];
    case 'ExecuteStmt':
      return ['unknown', 'EXECUTE of a prepared statement the classifier cannot see'];
    case 'ListenStmt':
      return ['session', 'LISTEN'];
    case 'UnlistenStmt':
      return ['session', 'UNLISTEN'];
    case 'DiscardStmt':
      return ['session', 'DISCARD'];
    case 'LoadStmt':
      return ['session', 'LOAD'];
  }
  const label = writeStatementKinds.get(kind);
  if (label !== undefined) return ['write', label];
  return ['unknown', kind === '' ? 'empty statement' : `statement kind ${kind} is not known`];
}

function judgeSelect(facts: TreeFacts): [StatementVerdict, string] {
  if (facts.into !== undefined) {
    return facts.into.temp ? ['session', 'SELECT INTO a temporary table'] : ['write', 'SELECT INTO'];
  }
  if (facts.writableCte !== undefined) return ['write', 'writable CTE'];
  if (facts.lock !== undefined) return ['write', facts.lock];
  if (facts.unsafeFunction !== undefined) return ['write', facts.unsafeFunction];
  return ['read', 'read-only SELECT'];
}

// EXPLAIN is judged by what it explains, with or without ANALYZE: EXPLAIN ANALYZE runs the statement, and
// a plain EXPLAIN of a write is rare enough that keeping it on the primary costs nothing.
function classifyExplain(node: AstObject, policy: FunctionPolicy): Classification {
  const inner = classifyNode(node.query, policy);
  const analyze = explainAnalyzes(node.options);
  if (inner.verdict === 'read') {
    return classification('read', inner.tables, analyze ? 'EXPLAIN ANALYZE' : 'EXPLAIN');
  }
  if (inner.verdict === 'session' || inner.verdict === 'unknown') {
    return classification(inner.verdict, inner.tables, `EXPLAIN: ${inner.detail}`);
  }
  const detail = analyze
    ? `EXPLAIN ANALYZE executes: ${inner.detail}`
    : `EXPLAIN of a write: ${inner.detail}`;
  return classification('write', inner.tables, detail);
}

function explainAnalyzes(options: unknown): boolean {
  let analyze = false;
  for (const option of Array.isArray(options) ? options : []) {
    const def = (option as { DefElem?: { defname?: string; arg?: unknown } }).DefElem;
    if (def?.defname !== 'analyze') continue;
    const value = (def.arg as { String?: { sval?: string } } | undefined)?.String?.sval?.toLowerCase();
    analyze = value === undefined || !['false', 'off', '0', 'no'].includes(value);
  }
  return analyze;
}

function classifyCopyQuery(node: AstObject, policy: FunctionPolicy): Classification {
  const inner = classifyNode(node.query, policy);
  if (node.filename !== undefined || node.is_program === true) {
    return classification('write', inner.tables, 'COPY TO a server file or program');
  }
  if (inner.verdict === 'read') return classification('read', inner.tables, 'COPY (query) TO STDOUT');
  if (inner.verdict === 'session' || inner.verdict === 'unknown') {
    return classification(inner.verdict, inner.tables, `COPY: ${inner.detail}`);
  }
  return classification('write', inner.tables, `COPY of a write: ${inner.detail}`);
}

function classifyTransaction(node: AstObject): Classification {
  switch (node.kind) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START': {
      const readOnly = declaresReadOnly(node.options);
      const detail = readOnly ? 'BEGIN READ ONLY' : 'BEGIN';
      return Object.freeze({ verdict: 'begin', tables: noTables, detail, readOnly });
    }
    case 'TRANS_STMT_COMMIT':
    case 'TRANS_STMT_ROLLBACK':
      // AND CHAIN starts the next transaction at once: calling it an end would let the statements that
      // follow escape the transaction's connection.
      return node.chain === true
        ? classification('write', [], 'AND CHAIN keeps a transaction open')
        : classification('end', [], node.kind === 'TRANS_STMT_COMMIT' ? 'COMMIT' : 'ROLLBACK');
    case 'TRANS_STMT_PREPARE':
      return classification('end', [], 'PREPARE TRANSACTION');
    case 'TRANS_STMT_COMMIT_PREPARED':
      return classification('end', [], 'COMMIT PREPARED');
    case 'TRANS_STMT_ROLLBACK_PREPARED':
      return classification('end', [], 'ROLLBACK PREPARED');
    case 'TRANS_STMT_SAVEPOINT':
      return classification('write', [], 'SAVEPOINT');
    case 'TRANS_STMT_RELEASE':
      return classification('write', [], 'RELEASE SAVEPOINT');
    case 'TRANS_STMT_ROLLBACK_TO':
      return classification('write', [], 'ROLLBACK TO SAVEPOINT');
    default:
      return classification('unknown', [], `transaction statement ${String(node.kind)} is not known`);
  }
}

function declaresReadOnly(options: unknown): boolean {
  let readOnly = false;
  for (const option of Array.isArray(options) ? options : []) {
    const def = (
      option as { DefElem?: { defname?: string; arg?: { A_Const?: { ival?: { ival?: number } } } } }
    ).DefElem;
    // The last READ ONLY / READ WRITE wins, as on the server; READ WRITE is ival 0, which JSON omits.
    if (def?.defname === 'transaction_read_only') readOnly = def.arg?.A_Const?.ival?.ival === 1;
  }
  return readOnly;
}

function classifySet(node: AstObject): Classification {
  // SET LOCAL and SET TRANSACTION end with the transaction: harmless on the primary, nothing to pin.
  if (node.is_local === true) return classification('write', [], 'SET LOCAL');
  if (node.kind === 'VAR_SET_MULTI' && node.name === 'TRANSACTION') {
    return classification('write', [], 'SET TRANSACTION');
  }
  const what = node.kind === 'VAR_RESET' || node.kind === 'VAR_RESET_ALL' ? 'RESET' : 'SET';
  return classification('session', [], what);
}

const cursorOptionHold = 0x20; // CURSOR_OPT_HOLD in PostgreSQL's parsenodes.h

const relationObjectTypes: ReadonlySet<string> = new Set([
  'OBJECT_TABLE',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_FOREIGN_TABLE',
  'OBJECT_SEQUENCE',
]);

// DROP names its objects as plain name lists, not RangeVars, so the generic walk does not see them.
function droppedRelations(node: AstObject): string[] {
  if (typeof node.removeType !== 'string' || !relationObjectTypes.has(node.removeType)) return [];
  const objects = Array.isArray(node.objects) ? node.objects : [];
  return objects.map((object) => {
    const items = (object as { List?: { items?: { String?: { sval?: string } }[] } }).List?.items ?? [];
    // A database-qualified name keeps its schema.name, like a RangeVar does.
    return items
      .slice(-2)
      .map((item) => item.String?.sval ?? '')
      .join('.');
  });
}

const noTables: readonly string[] = Object.freeze([]);

function classification(
  verdict: StatementVerdict,
  tables: readonly string[],
  detail: string,
): Classification {
  const uniqueTables = tables.length === 0 ? noTables : Object.freeze([...new Set(tables)]);
  return Object.freeze({ verdict, tables: uniqueTables, detail });
}
