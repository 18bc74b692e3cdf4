import type { StatementVerdict } from '../../src/classify/index.ts';

/** One statement with what the classifier must say about it. */
export interface CorpusCase {
  readonly sql: string;
  readonly verdict: StatementVerdict;
  /** Exact expected `tables`, in order, when given. */
  readonly tables?: readonly string[];
  /** Expected `detail`, when the reason itself is part of the contract. */
  readonly detail?: string;
  /** Expected `readOnly` for `begin`. */
  readonly readOnly?: boolean;
  /** Extra read-only functions to configure for this case. */
  readonly readOnlyFunctions?: readonly string[];
}

/**
 * Statements and their verdicts: every failure mode of DESIGN.md section 7 that a classifier can cause, the
 * decisions of section 4, and realistic Perfherder queries. The benchmark uses the same list.
 */
export const corpus: readonly CorpusCase[] = [
  // --- plain reads
  { sql: 'SELECT 1', verdict: 'read', tables: [] },
  { sql: 'SELECT * FROM performance_datum WHERE id = $1', verdict: 'read', tables: ['performance_datum'] },
  { sql: 'VALUES (1),(2)', verdict: 'read', tables: [] },
  { sql: 'SHOW search_path', verdict: 'read', tables: [], detail: 'SHOW' },
  { sql: 'SHOW ALL', verdict: 'read' },
  { sql: 'TABLE repository', verdict: 'read', tables: ['repository'] },
  {
    sql: 'SELECT s.id, s.signature_hash, f.name FROM performance_signature s JOIN performance_framework f ON f.id = s.framework_id WHERE s.repository_id = $1 AND s.last_updated > $2',
    verdict: 'read',
    tables: ['performance_signature', 'performance_framework'],
  },
  {
    sql: 'SELECT d.value, d.push_timestamp FROM performance_datum d LEFT JOIN push p ON p.id = d.push_id RIGHT JOIN repository r ON r.id = p.repository_id WHERE r.name = $1',
    verdict: 'read',
    tables: ['performance_datum', 'push', 'repository'],
  },
  {
    sql: 'SELECT signature_id, avg(value), stddev(value), count(*), min(value), max(value) FROM performance_datum GROUP BY signature_id HAVING count(*) > 5',
    verdict: 'read',
    tables: ['performance_datum'],
  },
  {
    sql: 'SELECT id, value, row_number() OVER w, lag(value) OVER w, avg(value) OVER (PARTITION BY signature_id ORDER BY push_timestamp ROWS BETWEEN 12 PRECEDING AND CURRENT ROW) FROM performance_datum WINDOW w AS (PARTITION BY signature_id ORDER BY push_timestamp)',
    verdict: 'read',
    tables: ['performance_datum'],
  },
  {
    sql: "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY value), string_agg(DISTINCT option_collection_hash, ','), array_agg(id ORDER BY id) FROM performance_signature",
    verdict: 'read',
  },
  { sql: 'SELECT * FROM generate_series(1, 10) AS g(n)', verdict: 'read', tables: [] },
  {
    sql: "SELECT date_trunc('day', push_timestamp) AS day, count(*) FROM performance_datum WHERE push_timestamp >= now() - interval '30 days' GROUP BY 1 ORDER BY 1",
    verdict: 'read',
  },
  {
    sql: "SELECT extract(epoch FROM push_timestamp), to_char(push_timestamp, 'YYYY-MM-DD'), date_part('hour', push_timestamp) FROM performance_datum",
    verdict: 'read',
  },
  {
    sql: "SELECT jsonb_build_object('id', id, 'hash', signature_hash), json_agg(t), to_jsonb(t) -> 'x' ->> 'y' FROM performance_signature t GROUP BY t.id",
    verdict: 'read',
  },
  { sql: 'SELECT unnest(ARRAY[1,2,3]), array_length(ARRAY[1], 1), cardinality(ARRAY[1])', verdict: 'read' },
  {
    sql: 'SELECT md5(x), encode(sha256(x::bytea), $$hex$$), lower(x), coalesce(x, $$y$$), greatest(1, 2), nullif(1, 2), random(), gen_random_uuid() FROM t',
    verdict: 'read',
    tables: ['t'],
  },
  {
    sql: 'SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn(), pg_last_xact_replay_timestamp(), inet_server_port(), inet_server_addr(), pg_backend_pid()',
    verdict: 'read',
  },
  {
    sql: "SELECT current_setting('transaction_read_only'), version(), current_database(), current_user, current_timestamp, localtimestamp",
    verdict: 'read',
  },
  { sql: "SELECT pg_wal_lsn_diff('0/3000000', '0/2000000')", verdict: 'read' },
  {
    sql: 'SELECT pg_catalog.count(*) FROM pg_catalog.pg_class',
    verdict: 'read',
    tables: ['pg_catalog.pg_class'],
  },
  { sql: 'SELECT id FROM performance_alert UNION SELECT id FROM performance_alert_summary', verdict: 'read' },
  {
    sql: '(SELECT id FROM a) INTERSECT (SELECT id FROM b) EXCEPT SELECT id FROM c ORDER BY 1 LIMIT 10',
    verdict: 'read',
    tables: ['a', 'b', 'c'],
  },
  {
    sql: 'SELECT * FROM push p WHERE EXISTS (SELECT 1 FROM job j WHERE j.push_id = p.id) AND p.id IN (SELECT push_id FROM performance_datum)',
    verdict: 'read',
    tables: ['push', 'job', 'performance_datum'],
  },
  {
    sql: 'SELECT s.* FROM performance_signature s CROSS JOIN LATERAL (SELECT value FROM performance_datum d WHERE d.signature_id = s.id ORDER BY push_timestamp DESC LIMIT 1) latest',
    verdict: 'read',
    tables: ['performance_signature', 'performance_datum'],
  },
  {
    sql: 'WITH recent AS (SELECT * FROM performance_datum WHERE push_timestamp > $1) SELECT signature_id, count(*) FROM recent GROUP BY 1',
    verdict: 'read',
    tables: ['performance_datum'],
  },
  {
    sql: 'WITH RECURSIVE tree AS (SELECT id, parent_id FROM perf_tag WHERE parent_id IS NULL UNION ALL SELECT t.id, t.parent_id FROM perf_tag t JOIN tree ON t.parent_id = tree.id) SELECT * FROM tree',
    verdict: 'read',
    tables: ['perf_tag'],
  },
  {
    // a non-recursive CTE cannot see itself: `b` inside `a` is the real table b
    sql: 'WITH a AS (SELECT * FROM b), b AS (SELECT * FROM a) SELECT * FROM b',
    verdict: 'read',
    tables: ['b'],
  },
  {
    sql: 'SELECT * FROM performance_datum TABLESAMPLE SYSTEM (1)',
    verdict: 'read',
    tables: ['performance_datum'],
  },
  { sql: 'SELECT * FROM ONLY performance_datum', verdict: 'read', tables: ['performance_datum'] },
  { sql: 'SELECT $1::int + $2', verdict: 'read', tables: [] },
  {
    sql: 'SELECT * FROM "Performance_Datum" WHERE "Value" > 1',
    verdict: 'read',
    tables: ['Performance_Datum'],
  },
  { sql: 'SELECT * FROM PERFORMANCE_DATUM', verdict: 'read', tables: ['performance_datum'] },
  { sql: 'SELECT * FROM perf.performance_datum', verdict: 'read', tables: ['perf.performance_datum'] },
  { sql: 'SELECT * FROM "Perf"."Datum"', verdict: 'read', tables: ['Perf.Datum'] },
  { sql: '  \n\t SELECT 1 \n\t ;  \n', verdict: 'read' },
  {
    sql: '-- leading comment\nSELECT /* inline */ id FROM repository -- trailing',
    verdict: 'read',
    tables: ['repository'],
  },
  { sql: '/* block\n comment */ SELECT 1;', verdict: 'read' },
  { sql: 'SELECT 1;;', verdict: 'read' },
  { sql: 'SELECT pg_sleep(0)', verdict: 'read' },
  { sql: "SELECT 'nextval(1)' AS not_a_call, '; DELETE FROM t' AS text", verdict: 'read', tables: [] },
  { sql: 'SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)', verdict: 'read', tables: ['users'] },
  { sql: 'SELECT a FROM t GROUP BY CUBE (a), ROLLUP (b)', verdict: 'read' },
  { sql: 'SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id int, name text)', verdict: 'read', tables: [] },
  { sql: "SELECT 'a' COLLATE \"C\" < 'b', x IS DISTINCT FROM y FROM t", verdict: 'read' },
  { sql: 'SELECT 1 WHERE 1 OPERATOR(pg_catalog.=) 1', verdict: 'read' },
  // SQL syntax the parser turns into function calls
  {
    sql: "SELECT 'x' SIMILAR TO 'y', system_user, xmlexists('/a' PASSING '<a/>'), trim(leading 'x' from 'y'), 'a' IS NFC NORMALIZED",
    verdict: 'read',
  },
  { sql: 'SELECT * FROM t WHERE id = 1 FOR READ ONLY', verdict: 'read', tables: ['t'] },
  { sql: 'SELECT CASE WHEN a > 0 THEN abs(a) ELSE round(a::numeric, 2) END FROM t', verdict: 'read' },
  { sql: 'DECLARE c CURSOR FOR SELECT 1', verdict: 'write', detail: 'DECLARE CURSOR needs a transaction' },

  // --- writable CTEs (Drizzle #4185, pgcat #829)
  {
    sql: 'WITH x AS (UPDATE performance_alert SET status = 1 RETURNING id) SELECT * FROM x',
    verdict: 'write',
    tables: ['performance_alert'],
    detail: 'writable CTE',
  },
  {
    sql: 'WITH d AS (DELETE FROM t RETURNING *) SELECT count(*) FROM d',
    verdict: 'write',
    detail: 'writable CTE',
  },
  { sql: 'WITH i AS (INSERT INTO t VALUES (1) RETURNING id) SELECT id FROM i', verdict: 'write' },
  {
    sql: 'SELECT * FROM (WITH d AS (DELETE FROM t RETURNING 1) SELECT * FROM d) s',
    verdict: 'write',
    detail: 'writable CTE',
  },
  {
    sql: 'SELECT 1 UNION ALL (WITH u AS (UPDATE t SET a = 1 RETURNING a) SELECT a FROM u)',
    verdict: 'write',
    detail: 'writable CTE',
  },
  {
    sql: 'SELECT * FROM t WHERE id IN (WITH d AS (DELETE FROM u RETURNING id) SELECT id FROM d)',
    verdict: 'write',
    tables: ['t', 'u'],
    detail: 'writable CTE',
  },
  {
    sql: 'WITH a AS (SELECT 1), b AS (WITH m AS (MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE RETURNING t.id) SELECT * FROM m) SELECT * FROM a, b',
    verdict: 'write',
    detail: 'writable CTE',
  },

  // --- writing functions (pgcat #489)
  { sql: "SELECT nextval('s')", verdict: 'write', detail: 'function nextval is not known to be read-only' },
  { sql: "SELECT setval('s', 42)", verdict: 'write' },
  { sql: "SELECT currval('s')", verdict: 'write' },
  { sql: 'SELECT lastval()', verdict: 'write' },
  { sql: "SELECT id, nextval('s') FROM t", verdict: 'write', tables: ['t'] },
  { sql: "SELECT * FROM t WHERE id = (SELECT nextval('s'))", verdict: 'write' },
  { sql: "SELECT * FROM t ORDER BY nextval('s')", verdict: 'write' },
  { sql: "SELECT pg_catalog.nextval('s')", verdict: 'write' },
  { sql: 'SELECT txid_current()', verdict: 'write' },
  { sql: 'SELECT pg_current_xact_id()', verdict: 'write' },
  { sql: 'SELECT pg_current_wal_lsn()', verdict: 'write' },
  { sql: "SELECT pg_notify('channel', 'payload')", verdict: 'write' },
  { sql: "SELECT lo_import('/etc/passwd')", verdict: 'write' },
  { sql: 'SELECT lo_unlink(42)', verdict: 'write' },
  { sql: 'SELECT pg_terminate_backend(42)', verdict: 'write' },
  { sql: "SELECT set_config('search_path', 'perf', false)", verdict: 'session' },
  { sql: "SELECT set_config('statement_timeout', '5s', true)", verdict: 'write' },
  { sql: 'SELECT set_config($1, $2, $3)', verdict: 'session' },
  { sql: 'SELECT setseed(0.5)', verdict: 'session' },
  { sql: 'SELECT my_func()', verdict: 'write', detail: 'function my_func is not known to be read-only' },
  { sql: 'SELECT my_func()', verdict: 'read', readOnlyFunctions: ['my_func'] },
  { sql: 'SELECT MY_FUNC(1)', verdict: 'read', readOnlyFunctions: ['My_Func'] },
  { sql: 'SELECT public.my_func()', verdict: 'write', readOnlyFunctions: ['my_func'] },
  { sql: 'SELECT public.my_func()', verdict: 'read', readOnlyFunctions: ['public.my_func'] },
  { sql: 'SELECT * FROM my_srf()', verdict: 'write', tables: [] },
  // a quoted name is case-sensitive on the server: "Random" is not random()
  { sql: 'SELECT "Random"()', verdict: 'write' },
  { sql: 'SELECT a OPERATOR(myschema.+) b FROM t', verdict: 'write' },
  { sql: 'SELECT count(*) FILTER (WHERE my_func(x)) FROM t', verdict: 'write' },

  // --- advisory locks
  { sql: 'SELECT pg_advisory_lock(1)', verdict: 'session' },
  { sql: 'SELECT pg_try_advisory_lock(1, 2)', verdict: 'session' },
  { sql: 'SELECT pg_advisory_unlock_all()', verdict: 'session' },
  { sql: 'SELECT pg_advisory_xact_lock(1)', verdict: 'write' },
  { sql: 'SELECT pg_try_advisory_xact_lock_shared(1)', verdict: 'write' },
  { sql: 'SELECT pg_advisory_lock(1)', verdict: 'session', readOnlyFunctions: ['pg_advisory_lock'] },
  { sql: 'INSERT INTO t SELECT pg_advisory_lock(1)', verdict: 'session' },

  // --- row locks (pgcat #887)
  { sql: 'SELECT * FROM t FOR UPDATE', verdict: 'write', detail: 'FOR UPDATE', tables: ['t'] },
  { sql: 'SELECT * FROM t FOR NO KEY UPDATE', verdict: 'write', detail: 'FOR NO KEY UPDATE' },
  { sql: 'SELECT * FROM t FOR SHARE', verdict: 'write', detail: 'FOR SHARE' },
  { sql: 'SELECT * FROM t FOR KEY SHARE', verdict: 'write', detail: 'FOR KEY SHARE' },
  { sql: 'SELECT * FROM t FOR UPDATE OF t SKIP LOCKED', verdict: 'write', tables: ['t'] },
  { sql: 'SELECT * FROM t AS x FOR UPDATE OF x NOWAIT', verdict: 'write', tables: ['t'] },
  { sql: 'SELECT * FROM (SELECT * FROM t FOR UPDATE) s', verdict: 'write', detail: 'FOR UPDATE' },
  { sql: 'SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u FOR SHARE)', verdict: 'write', detail: 'FOR SHARE' },
  { sql: 'WITH l AS (SELECT * FROM t FOR UPDATE) SELECT * FROM l', verdict: 'write', tables: ['t'] },

  // --- SELECT INTO
  {
    sql: 'SELECT * INTO new_table FROM t',
    verdict: 'write',
    tables: ['new_table', 't'],
    detail: 'SELECT INTO',
  },
  { sql: 'SELECT * INTO TEMP tmp FROM t', verdict: 'session' },

  // --- EXPLAIN
  { sql: 'EXPLAIN SELECT * FROM t', verdict: 'read', tables: ['t'] },
  { sql: 'EXPLAIN ANALYZE SELECT * FROM t', verdict: 'read', tables: ['t'] },
  { sql: 'EXPLAIN (FORMAT JSON) SELECT 1', verdict: 'read' },
  { sql: 'EXPLAIN ANALYZE DELETE FROM t', verdict: 'write', tables: ['t'] },
  { sql: 'EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET a = 1', verdict: 'write', tables: ['t'] },
  { sql: 'EXPLAIN DELETE FROM t', verdict: 'write' },
  { sql: "EXPLAIN ANALYZE SELECT nextval('s')", verdict: 'write' },
  { sql: 'EXPLAIN ANALYZE WITH d AS (DELETE FROM t RETURNING 1) SELECT * FROM d', verdict: 'write' },
  { sql: 'EXPLAIN SELECT * FROM t FOR UPDATE', verdict: 'write' },
  { sql: 'EXPLAIN EXECUTE p', verdict: 'unknown' },

  // --- COPY (pgcat #865)
  { sql: 'COPY t TO STDOUT', verdict: 'read', tables: ['t'] },
  { sql: 'COPY t (a, b) TO STDOUT WITH (FORMAT csv, HEADER)', verdict: 'read', tables: ['t'] },
  { sql: 'COPY (SELECT * FROM t WHERE a > 1) TO STDOUT', verdict: 'read', tables: ['t'] },
  { sql: 'COPY t FROM STDIN', verdict: 'write', tables: ['t'], detail: 'COPY FROM' },
  { sql: "COPY t FROM '/tmp/x'", verdict: 'write' },
  { sql: "COPY t TO '/tmp/x'", verdict: 'write', tables: ['t'] },
  { sql: "COPY t TO PROGRAM 'gzip > /tmp/x.gz'", verdict: 'write' },
  { sql: 'COPY (UPDATE t SET a = 1 RETURNING a) TO STDOUT', verdict: 'write', tables: ['t'] },
  { sql: "COPY (SELECT nextval('s')) TO STDOUT", verdict: 'write' },

  // --- DML and DDL
  { sql: 'INSERT INTO t (a) VALUES ($1) RETURNING id', verdict: 'write', tables: ['t'], detail: 'INSERT' },
  { sql: 'INSERT INTO t SELECT * FROM u ON CONFLICT (id) DO NOTHING', verdict: 'write', tables: ['t', 'u'] },
  {
    sql: 'UPDATE performance_signature SET last_updated = now() WHERE id = $1',
    verdict: 'write',
    tables: ['performance_signature'],
  },
  { sql: 'UPDATE t SET a = u.a FROM u WHERE t.id = u.id', verdict: 'write', tables: ['t', 'u'] },
  { sql: 'DELETE FROM t USING u WHERE t.id = u.id', verdict: 'write', tables: ['t', 'u'] },
  {
    sql: 'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.a)',
    verdict: 'write',
    tables: ['t', 's'],
    detail: 'MERGE',
  },
  { sql: 'TRUNCATE a, b', verdict: 'write', tables: ['a', 'b'] },
  { sql: 'CREATE TABLE x (a int)', verdict: 'write', tables: ['x'] },
  {
    sql: 'CREATE INDEX CONCURRENTLY ON performance_datum (signature_id, push_timestamp)',
    verdict: 'write',
    tables: ['performance_datum'],
  },
  { sql: 'ALTER TABLE t ADD COLUMN b int', verdict: 'write', tables: ['t'] },
  { sql: 'DROP TABLE a, s.b', verdict: 'write', tables: ['a', 's.b'] },
  { sql: 'CREATE MATERIALIZED VIEW m AS SELECT * FROM t', verdict: 'write', tables: ['t', 'm'] },
  { sql: 'REFRESH MATERIALIZED VIEW m', verdict: 'write', tables: ['m'] },
  { sql: 'VACUUM t', verdict: 'write', tables: ['t'] },
  { sql: 'ANALYZE t', verdict: 'write', tables: ['t'] },
  { sql: 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', verdict: 'write' },
  { sql: 'GRANT SELECT ON t TO reader', verdict: 'write' },
  { sql: 'CHECKPOINT', verdict: 'write' },
  { sql: 'LOCK t', verdict: 'write', tables: ['t'], detail: 'LOCK' },
  { sql: 'LOCK TABLE t IN ACCESS SHARE MODE', verdict: 'write' },
  { sql: 'DO $$ BEGIN PERFORM 1; END $$', verdict: 'write' },
  { sql: 'CALL p()', verdict: 'write' },
  { sql: "NOTIFY channel, 'payload'", verdict: 'write' },
  { sql: 'FETCH 10 FROM c', verdict: 'write' },

  // --- session state (ProxySQL #1615)
  { sql: 'SET x.y = 1', verdict: 'session' },
  { sql: 'SET search_path TO perf, public', verdict: 'session' },
  { sql: 'SET SESSION statement_timeout = 0', verdict: 'session' },
  { sql: "SET TIME ZONE 'UTC'", verdict: 'session' },
  { sql: 'SET ROLE reader', verdict: 'session' },
  { sql: 'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY', verdict: 'session' },
  { sql: 'SET LOCAL statement_timeout = 0', verdict: 'write', detail: 'SET LOCAL' },
  { sql: 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', verdict: 'write' },
  { sql: 'RESET ALL', verdict: 'session' },
  { sql: 'RESET search_path', verdict: 'session' },
  { sql: 'DISCARD ALL', verdict: 'session' },
  { sql: 'PREPARE q AS SELECT * FROM t WHERE id = $1', verdict: 'session', tables: ['t'] },
  { sql: 'EXECUTE q(1)', verdict: 'unknown' },
  { sql: 'DEALLOCATE q', verdict: 'session' },
  { sql: 'DEALLOCATE ALL', verdict: 'session' },
  { sql: 'LISTEN channel', verdict: 'session' },
  { sql: 'UNLISTEN *', verdict: 'session' },
  { sql: "LOAD 'auto_explain'", verdict: 'session' },
  { sql: 'CREATE TEMP TABLE tmp (a int)', verdict: 'session', tables: ['tmp'] },
  { sql: 'CREATE TEMPORARY TABLE tmp AS SELECT * FROM t', verdict: 'session', tables: ['t', 'tmp'] },
  { sql: 'CREATE TABLE pg_temp.tmp (a int)', verdict: 'session' },
  { sql: 'CREATE TEMP VIEW v AS SELECT 1', verdict: 'session' },
  { sql: 'CREATE TEMP SEQUENCE s', verdict: 'session' },
  { sql: 'DECLARE c CURSOR WITH HOLD FOR SELECT 1', verdict: 'session', detail: 'DECLARE CURSOR WITH HOLD' },

  // --- transactions (Drizzle #6234)
  { sql: 'BEGIN', verdict: 'begin', readOnly: false },
  { sql: 'begin;', verdict: 'begin', readOnly: false },
  { sql: 'BEGIN READ ONLY', verdict: 'begin', readOnly: true },
  { sql: 'BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE', verdict: 'begin', readOnly: true },
  { sql: 'START TRANSACTION', verdict: 'begin', readOnly: false },
  { sql: 'START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY', verdict: 'begin', readOnly: true },
  { sql: 'START TRANSACTION READ WRITE', verdict: 'begin', readOnly: false },
  { sql: 'COMMIT', verdict: 'end' },
  { sql: 'END', verdict: 'end' },
  { sql: 'ROLLBACK', verdict: 'end' },
  { sql: 'ABORT', verdict: 'end' },
  { sql: "PREPARE TRANSACTION 'x'", verdict: 'end' },
  { sql: "COMMIT PREPARED 'x'", verdict: 'end' },
  { sql: "ROLLBACK PREPARED 'x'", verdict: 'end' },
  { sql: 'COMMIT AND CHAIN', verdict: 'write' },
  { sql: 'SAVEPOINT a', verdict: 'write' },
  { sql: 'RELEASE SAVEPOINT a', verdict: 'write' },
  { sql: 'ROLLBACK TO SAVEPOINT a', verdict: 'write' },

  // --- nothing provable
  { sql: '', verdict: 'unknown', tables: [], detail: 'empty statement' },
  { sql: '   \n\t', verdict: 'unknown', detail: 'empty statement' },
  { sql: '-- only a comment', verdict: 'unknown', detail: 'empty statement' },
  { sql: '/* only a comment */', verdict: 'unknown' },
  { sql: ';', verdict: 'unknown' },
  { sql: 'SELEC 1', verdict: 'unknown', tables: [], detail: 'parse error' },
  { sql: 'SELECT * FROM', verdict: 'unknown', detail: 'parse error' },
  { sql: "SELECT 'unterminated", verdict: 'unknown', detail: 'parse error' },
  // the parser stops at a NUL and would see only `SELECT 1`
  { sql: 'SELECT 1\0; DELETE FROM t', verdict: 'unknown', tables: [], detail: 'NUL character in SQL' },
  { sql: 'SELECT 1; SELECT 2', verdict: 'unknown', detail: 'multiple statements' },
  {
    sql: 'SELECT * FROM a; DELETE FROM b',
    verdict: 'unknown',
    tables: ['a', 'b'],
    detail: 'multiple statements',
  },
  { sql: 'BEGIN; SELECT 1; COMMIT', verdict: 'unknown', detail: 'multiple statements' },
];
