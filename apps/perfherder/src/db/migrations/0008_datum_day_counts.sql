-- The Mann-Whitney cache key holds the number of data points of each side (spec 3.12 "MWU caching"). A side
-- selected by a push-time window (no base revision) held tens of thousands of datums to count on every
-- cache hit. performance_datum_day_count keeps the number of datums per repository, UTC day and signature,
-- maintained by statement-level triggers with transition tables on every INSERT, UPDATE, DELETE and
-- TRUNCATE of performance_datum (ingestion, seeding, retention, tests: whatever writes datums), one upsert
-- per (repository, day, signature) per statement. A window's count is the sum of its whole days plus an
-- exact count of the datums of its two partial edge days, read through the (repository_id, push_timestamp)
-- index below: one range per edge, not one index descent per signature.

-- The UTC day number (days since 1970-01-01) of a push time.
CREATE FUNCTION performance_datum_day(ts timestamptz) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN floor(extract(epoch FROM ts) / 86400)::integer;

CREATE TABLE performance_datum_day_count (
  repository_id integer NOT NULL,
  day integer NOT NULL,
  signature_id integer NOT NULL,
  datums bigint NOT NULL,
  -- datums included: a window's sum is an index-only scan of one (repository, day) range.
  PRIMARY KEY (repository_id, day, signature_id) INCLUDE (datums)
);

-- Adds the datums of new_rows and subtracts those of old_rows (whichever the event has). Rows are upserted
-- in key order, so two writers touching the same counters lock them in the same order (no deadlock).
-- A counter that falls to 0 stays (0 adds nothing to a sum).
CREATE FUNCTION performance_datum_day_count_apply() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO performance_datum_day_count AS c (repository_id, day, signature_id, datums)
    SELECT repository_id, performance_datum_day(push_timestamp), signature_id, count(*)
      FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (repository_id, day, signature_id) DO UPDATE SET datums = c.datums + excluded.datums;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO performance_datum_day_count AS c (repository_id, day, signature_id, datums)
    SELECT repository_id, performance_datum_day(push_timestamp), signature_id, -count(*)
      FROM old_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (repository_id, day, signature_id) DO UPDATE SET datums = c.datums + excluded.datums;
  ELSE
    INSERT INTO performance_datum_day_count AS c (repository_id, day, signature_id, datums)
    SELECT r, dd, s, sum(n)
      FROM (SELECT repository_id, performance_datum_day(push_timestamp), signature_id, 1 FROM new_rows
            UNION ALL
            SELECT repository_id, performance_datum_day(push_timestamp), signature_id, -1 FROM old_rows)
           AS x(r, dd, s, n)
     GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (repository_id, day, signature_id) DO UPDATE SET datums = c.datums + excluded.datums;
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION performance_datum_day_count_clear() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM performance_datum_day_count;
  RETURN NULL;
END
$$;

-- A trigger with transition tables takes one event: three triggers, one function.
CREATE TRIGGER performance_datum_day_count_insert AFTER INSERT ON performance_datum
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION performance_datum_day_count_apply();
CREATE TRIGGER performance_datum_day_count_delete AFTER DELETE ON performance_datum
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION performance_datum_day_count_apply();
CREATE TRIGGER performance_datum_day_count_update AFTER UPDATE ON performance_datum
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION performance_datum_day_count_apply();
CREATE TRIGGER performance_datum_day_count_truncate AFTER TRUNCATE ON performance_datum
  FOR EACH STATEMENT EXECUTE FUNCTION performance_datum_day_count_clear();

-- The triggers exist (and their lock keeps writers out until this transaction commits): count what is there.
INSERT INTO performance_datum_day_count (repository_id, day, signature_id, datums)
SELECT repository_id, performance_datum_day(push_timestamp), signature_id, count(*)
  FROM performance_datum GROUP BY 1, 2, 3;

-- The edge days' datums, by repository and push time (the series index starts with the signature).
CREATE INDEX performance_datum_repository_push_timestamp_idx
  ON performance_datum (repository_id, push_timestamp) INCLUDE (signature_id);
