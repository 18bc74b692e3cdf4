-- PerfCompare (/api/perfcompare/results/) shows, per signature and side, its data points' lists as JSON text:
-- values, job ids, runs rounded half-even to 2 decimals, and the same per replicate (perf/perfcompare/
-- perfcompare-data.ts). A side without a base revision is a push-time window (30 days and more) of thousands
-- of datums, each joined with its replicates and put into five lists on every read: most of the statement
-- when the answer memo misses (a database under ingestion). performance_datum_day_lists keeps, per
-- repository, signature and UTC day (0008's performance_datum_day), the pieces of those lists for all the
-- day's datums, in the order the lists take them (push time, datum id; a datum's replicates by id). A window
-- reads the row of each day whose datums all fall inside it, and only the datums of an edge day with some
-- outside.
CREATE TABLE performance_datum_day_lists (
  repository_id integer NOT NULL,
  signature_id integer NOT NULL,
  day integer NOT NULL,
  -- Each a comma-joined list of JSON texts, one element per datum unless said otherwise:
  -- the value (to_json, as json_agg writes a double),
  value_list text NOT NULL,
  -- the datum's replicate values (to_json) in replicate-id order, else its value: one per replicate,
  replicate_list text NOT NULL,
  -- the job id, `null` without one,
  job_id_list text NOT NULL,
  -- the value rounded (value_json of 0010),
  run_list text NOT NULL,
  -- the replicates rounded (performance_value_text_json), else value_json: one per replicate.
  run_replicate_list text NOT NULL,
  -- The first push time, and the last datum (push time, id): a window that holds both holds the whole row;
  -- a datum written after the last is appended.
  first_push_timestamp timestamptz NOT NULL,
  last_push_timestamp timestamptz NOT NULL,
  last_id bigint NOT NULL,
  PRIMARY KEY (repository_id, signature_id, day)
);

CREATE TYPE performance_datum_day_lists_pieces AS (
  repository_id integer, signature_id integer, day integer, value_list text, replicate_list text,
  job_id_list text, run_list text, run_replicate_list text, last_push_timestamp timestamptz, last_id bigint,
  first_push_timestamp timestamptz, least_id bigint
);

-- The pieces of the datums `ids` (and their replicates as they are now), one row per group (repository,
-- signature, day) they fall in, with the first push time, the least id and the last datum (push time, id).
-- The only place the pieces are built (backfill, triggers, seeder). Doubles print their shortest round-trip
-- text (extra_float_digits 1), whatever the caller's session has.
CREATE FUNCTION performance_datum_day_lists_of(ids bigint[])
  RETURNS SETOF performance_datum_day_lists_pieces LANGUAGE sql STABLE
  SET extra_float_digits = 1
  BEGIN ATOMIC
  SELECT x.repository_id, x.signature_id, performance_datum_day(x.push_timestamp),
    string_agg(to_json(x.value)::text, ',' ORDER BY x.push_timestamp, x.id),
    string_agg(coalesce(rep.vals, to_json(x.value)::text), ',' ORDER BY x.push_timestamp, x.id),
    string_agg(coalesce(x.job_id::text, 'null'), ',' ORDER BY x.push_timestamp, x.id),
    string_agg(x.value_json, ',' ORDER BY x.push_timestamp, x.id),
    string_agg(coalesce(rep.runs, x.value_json), ',' ORDER BY x.push_timestamp, x.id),
    max(x.push_timestamp), (array_agg(x.id ORDER BY x.push_timestamp DESC, x.id DESC))[1],
    min(x.push_timestamp), min(x.id)
  FROM performance_datum x
  LEFT JOIN LATERAL (
    SELECT string_agg(to_json(r.value)::text, ',' ORDER BY r.id) AS vals,
           string_agg(performance_value_text_json(r.value::text), ',' ORDER BY r.id) AS runs
      FROM performance_datum_replicate r WHERE r.performance_datum_id = x.id
  ) rep ON true
  WHERE x.id = ANY(ids)
  GROUP BY 1, 2, 3;
END;

-- Writes the rows of the groups given as three parallel arrays from their datums as they are now: a group
-- without datums loses its row.
CREATE FUNCTION performance_datum_day_lists_build(repos integer[], signatures integer[], days integer[])
  RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM performance_datum_day_lists l
   USING unnest(repos, signatures, days) AS g(r, s, d)
   WHERE l.repository_id = g.r AND l.signature_id = g.s AND l.day = g.d;
  INSERT INTO performance_datum_day_lists
  SELECT p.repository_id, p.signature_id, p.day, p.value_list, p.replicate_list, p.job_id_list, p.run_list,
         p.run_replicate_list, p.first_push_timestamp, p.last_push_timestamp, p.last_id
    FROM performance_datum_day_lists_of(ARRAY(
      SELECT x.id FROM (SELECT DISTINCT * FROM unnest(repos, signatures, days)) AS g(r, s, d)
        JOIN performance_datum x ON x.repository_id = g.r AND x.signature_id = g.s
         AND x.push_timestamp >= to_timestamp(g.d::double precision * 86400)
         AND x.push_timestamp < to_timestamp((g.d + 1)::double precision * 86400))) p;
END
$$;

-- Every group (from 0008's counters, which list each (repository, day, signature) with datums).
CREATE FUNCTION performance_datum_day_lists_rebuild() RETURNS void
  LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM performance_datum_day_lists;
  PERFORM performance_datum_day_lists_build(array_agg(c.repository_id), array_agg(c.signature_id), array_agg(c.day))
     FROM performance_datum_day_count c WHERE c.datums > 0;
END
$$;

-- After a statement that wrote datums or replicates, the groups it touched are built again. Each group is
-- locked first (a transaction-level advisory lock on (signature, day), taken in key order, after 0008's
-- counters, whose triggers fire first by name), and built by a later statement, whose snapshot (READ
-- COMMITTED) holds whatever another writer of the group committed before it: two writers of one day never
-- leave a row that misses the other's datums. A session that loads in bulk sets perfherder.day_lists_deferred
-- to on and calls performance_datum_day_lists_rebuild() at the end (the seeder).
CREATE FUNCTION performance_datum_day_lists_apply() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  rs integer[];
  ss integer[];
  ds integer[];
BEGIN
  IF current_setting('perfherder.day_lists_deferred', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'TRUNCATE' THEN
    IF TG_TABLE_NAME = 'performance_datum' THEN
      DELETE FROM performance_datum_day_lists;
    ELSE
      PERFORM performance_datum_day_lists_rebuild();
    END IF;
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'performance_datum' THEN
    IF TG_OP = 'INSERT' THEN
      -- Ingestion: the new datums come after every datum of their group (a later push time, or the same
      -- and a greater id): their pieces are appended. Any other group is built again.
      PERFORM pg_advisory_xact_lock(s, d)
         FROM (SELECT DISTINCT signature_id, performance_datum_day(push_timestamp) FROM new_rows) AS g(s, d)
        ORDER BY s, d;
      WITH n AS (SELECT * FROM performance_datum_day_lists_of(ARRAY(SELECT id FROM new_rows))),
      appended AS (
        UPDATE performance_datum_day_lists l
           SET value_list = l.value_list || ',' || n.value_list,
               replicate_list = l.replicate_list || ',' || n.replicate_list,
               job_id_list = l.job_id_list || ',' || n.job_id_list,
               run_list = l.run_list || ',' || n.run_list,
               run_replicate_list = l.run_replicate_list || ',' || n.run_replicate_list,
               last_push_timestamp = n.last_push_timestamp, last_id = n.last_id
          FROM n
         WHERE l.repository_id = n.repository_id AND l.signature_id = n.signature_id AND l.day = n.day
           AND (n.first_push_timestamp > l.last_push_timestamp
                OR (n.first_push_timestamp = l.last_push_timestamp AND n.least_id > l.last_id))
        RETURNING l.repository_id, l.signature_id, l.day)
      SELECT array_agg(r ORDER BY s, d), array_agg(s ORDER BY s, d), array_agg(d ORDER BY s, d) INTO rs, ss, ds
        FROM (SELECT repository_id, signature_id, day FROM n
              EXCEPT SELECT repository_id, signature_id, day FROM appended) AS g(r, s, d);
    ELSIF TG_OP = 'DELETE' THEN
      SELECT array_agg(r ORDER BY s, d), array_agg(s ORDER BY s, d), array_agg(d ORDER BY s, d) INTO rs, ss, ds
        FROM (SELECT DISTINCT repository_id, signature_id, performance_datum_day(push_timestamp) FROM old_rows)
             AS g(r, s, d);
    ELSE
      SELECT array_agg(r ORDER BY s, d), array_agg(s ORDER BY s, d), array_agg(d ORDER BY s, d) INTO rs, ss, ds
        FROM (SELECT repository_id, signature_id, performance_datum_day(push_timestamp) FROM new_rows
              UNION
              SELECT repository_id, signature_id, performance_datum_day(push_timestamp) FROM old_rows)
             AS g(r, s, d);
    END IF;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(r ORDER BY s, d), array_agg(s ORDER BY s, d), array_agg(d ORDER BY s, d) INTO rs, ss, ds
      FROM (SELECT DISTINCT x.repository_id, x.signature_id, performance_datum_day(x.push_timestamp)
              FROM performance_datum x WHERE x.id IN (SELECT performance_datum_id FROM old_rows)) AS g(r, s, d);
  ELSIF TG_OP = 'INSERT' THEN
    SELECT array_agg(r ORDER BY s, d), array_agg(s ORDER BY s, d), array_agg(d ORDER BY s, d) INTO rs, ss, ds
      FROM (SELECT DISTINCT x.repository_id, x.signature_id, performance_datum_day(x.push_timestamp)
              FROM performance_datum x WHERE x.id IN (SELECT performance_datum_id FROM new_rows)) AS g(r, s, d);
  ELSE
    -- A replicate may move to another datum: both datums' groups.
    SELECT array_agg(r ORDER BY s, d), array_agg(s ORDER BY s, d), array_agg(d ORDER BY s, d) INTO rs, ss, ds
      FROM (SELECT DISTINCT x.repository_id, x.signature_id, performance_datum_day(x.push_timestamp)
              FROM performance_datum x WHERE x.id IN (SELECT performance_datum_id FROM new_rows
                                                      UNION SELECT performance_datum_id FROM old_rows)) AS g(r, s, d);
  END IF;
  IF rs IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(s, d) FROM unnest(ss, ds) AS g(s, d);
  PERFORM performance_datum_day_lists_build(rs, ss, ds);
  RETURN NULL;
END
$$;

-- A trigger with transition tables takes one event: one per event and table, one function. Named after
-- 0008's (performance_datum_day_count_*), so they fire after them.
CREATE TRIGGER performance_datum_day_lists_insert AFTER INSERT ON performance_datum
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION performance_datum_day_lists_apply();
CREATE TRIGGER performance_datum_day_lists_delete AFTER DELETE ON performance_datum
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION performance_datum_day_lists_apply();
CREATE TRIGGER performance_datum_day_lists_update AFTER UPDATE ON performance_datum
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION performance_datum_day_lists_apply();
CREATE TRIGGER performance_datum_day_lists_truncate AFTER TRUNCATE ON performance_datum
  FOR EACH STATEMENT EXECUTE FUNCTION performance_datum_day_lists_apply();
CREATE TRIGGER performance_datum_replicate_day_lists_insert AFTER INSERT ON performance_datum_replicate
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION performance_datum_day_lists_apply();
CREATE TRIGGER performance_datum_replicate_day_lists_delete AFTER DELETE ON performance_datum_replicate
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION performance_datum_day_lists_apply();
CREATE TRIGGER performance_datum_replicate_day_lists_update AFTER UPDATE ON performance_datum_replicate
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION performance_datum_day_lists_apply();
CREATE TRIGGER performance_datum_replicate_day_lists_truncate AFTER TRUNCATE ON performance_datum_replicate
  FOR EACH STATEMENT EXECUTE FUNCTION performance_datum_day_lists_apply();

-- The triggers exist (and their lock keeps writers out until this transaction commits): build what is there.
SELECT performance_datum_day_lists_rebuild();
