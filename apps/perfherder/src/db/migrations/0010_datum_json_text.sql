-- The summary (/api/performance/summary/) writes, per datum, its value rounded half-even to 2 decimals and its
-- job's submit time, as JSON text. Every read recomputed both (float8 text, numeric rounding, to_char, a lookup
-- of each job): about half of the heaviest summary's statement. They are computed once, when a datum is
-- written, and kept in the covering series index, so the summary reads one index and concatenates.

-- quantize2HalfEvenJsonSql (perf/perfcompare/stats/quantize.ts) of a double: the JSON text of the value
-- rounded half-even to 2 decimals, as JavaScript writes it. The same expression (the tests compare the two on
-- ties, exponents, -0 and thousands of values). extra_float_digits is pinned, so the double's text is its
-- shortest round-trip digits whatever the writer's session sets (which is what makes the function immutable).
CREATE FUNCTION performance_value_json(v double precision) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  SET extra_float_digits = 1
  RETURN (SELECT CASE WHEN t IN ('NaN', 'Infinity', '-Infinity') THEN 'null'
      WHEN t NOT LIKE '%.___%' AND t NOT LIKE '%e%' AND t <> '-0' THEN t
      WHEN abs(t::numeric) < 1e13 THEN trim_scale(r)::text
      WHEN r::double precision = 0 THEN '0'
      WHEN abs(r::double precision) >= 1e-4 AND abs(r::double precision) < 1e15 THEN r::double precision::text
      WHEN abs(r::double precision) >= 1e-6 AND abs(r::double precision) < 1e21
        THEN r::double precision::text::numeric::text
      ELSE regexp_replace(r::double precision::text, 'e([+-])0*', 'e\1') END
    FROM (SELECT t, CASE WHEN t IN ('NaN', 'Infinity', '-Infinity') THEN NULL
        WHEN t LIKE '%.__5' AND mod(round(abs(t::numeric), 2) * 100, 2) = 1
        THEN round(t::numeric, 2) - sign(t::numeric) * 0.01
        ELSE round(t::numeric, 2) END AS r
      FROM (SELECT v::text AS t) a) b);

-- isoSql (perf/summary/iso-datetime.ts) as a JSON string: DRF's naive UTC datetime, microseconds only when
-- not zero. The zone is explicit and the format has no locale-dependent field, so the text is immutable.
CREATE FUNCTION performance_datetime_json(ts timestamptz) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN '"' || to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
    || CASE WHEN date_trunc('second', ts) = ts THEN '' ELSE to_char(ts AT TIME ZONE 'UTC', '.US') END || '"';

-- Both columns are kept by triggers: value_json follows the value, submit_time_json the datum's job (NULL
-- without one). Not a generated column for value_json: adding one rewrites the whole table, and the backfill
-- below rewrites it anyway.
ALTER TABLE performance_datum ADD COLUMN value_json text NULL, ADD COLUMN submit_time_json text NULL;

-- A datum written, or its value or job changed (a deleted job's ON DELETE SET NULL is an UPDATE of job_id
-- too), takes its texts; a direct write of either text is overwritten with the right one.
CREATE FUNCTION performance_datum_json_text_set() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  NEW.value_json := performance_value_json(NEW.value);
  IF NEW.job_id IS NULL THEN
    NEW.submit_time_json := NULL;
  ELSE
    NEW.submit_time_json := (SELECT performance_datetime_json(j.submit_time) FROM job j WHERE j.id = NEW.job_id);
  END IF;
  RETURN NEW;
END
$$;

-- A job whose submit time changes, or that is written after its datums (the foreign key is deferred), passes
-- its submit time to its datums (performance_datum_job_id_idx: one index descent per job).
CREATE FUNCTION performance_job_submit_time_pass() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  UPDATE performance_datum d SET submit_time_json = performance_datetime_json(NEW.submit_time)
   WHERE d.job_id = NEW.id AND d.submit_time_json IS DISTINCT FROM performance_datetime_json(NEW.submit_time);
  RETURN NULL;
END
$$;
CREATE TRIGGER job_submit_time_insert AFTER INSERT ON job
  FOR EACH ROW EXECUTE FUNCTION performance_job_submit_time_pass();
CREATE TRIGGER job_submit_time_update AFTER UPDATE OF id, submit_time ON job
  FOR EACH ROW WHEN (OLD.submit_time IS DISTINCT FROM NEW.submit_time OR OLD.id <> NEW.id)
  EXECUTE FUNCTION performance_job_submit_time_pass();

-- Backfill, one new version of every row; the datum counters (0008) do not change, so their trigger is off
-- meanwhile. ALTER TABLE holds the table's exclusive lock until the migration commits: no writer comes between.
ALTER TABLE performance_datum DISABLE TRIGGER performance_datum_day_count_update;
DROP INDEX performance_reposit_c9d328_idx;
UPDATE performance_datum d SET value_json = performance_value_json(d.value),
  submit_time_json = (SELECT performance_datetime_json(j.submit_time) FROM job j WHERE j.id = d.job_id);
ALTER TABLE performance_datum ENABLE TRIGGER performance_datum_day_count_update;
CREATE TRIGGER performance_datum_json_text BEFORE INSERT OR UPDATE OF value, job_id, value_json, submit_time_json
  ON performance_datum FOR EACH ROW EXECUTE FUNCTION performance_datum_json_text_set();

-- The covering series index (0006, 0007), dropped above, with the two texts included: the summary's datums
-- are an index-only scan again. Same name and keys, so every reader's plan and every insert's index work stay.
CREATE INDEX performance_reposit_c9d328_idx ON performance_datum (repository_id, signature_id, push_timestamp)
  INCLUDE (id, value, job_id, push_id, value_json, submit_time_json);
