-- The summary (/api/performance/summary/) writes, per datum, its value rounded half-even to 2 decimals and its
-- job's submit time, as JSON text. Every read recomputed both (float8 text, numeric rounding, to_char, a lookup
-- of each job): about half of the heaviest summary's statement. They are computed once, when a datum is
-- written, and kept in the covering series index, so the summary reads one index and concatenates.

-- quantize2HalfEvenJsonSql (perf/perfcompare/stats/quantize.ts) of a double's shortest text, step by step. The
-- tests compare it with that expression on ties, exponents, -0 and thousands of values. PL/pgSQL, about 6 us a
-- call: the same expression as a SQL function with SET extra_float_digits took 100 us (such a function is never
-- inlined and runs its body as a query of its own each call).
CREATE FUNCTION performance_value_text_json(t text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
  r numeric;
  d double precision;
BEGIN
  IF t IN ('NaN', 'Infinity', '-Infinity') THEN
    RETURN 'null';
  END IF;
  -- At most two decimals and no exponent: the text is its own rounding.
  IF t NOT LIKE '%.___%' AND t NOT LIKE '%e%' AND t <> '-0' THEN
    RETURN t;
  END IF;
  -- round() breaks ties away from zero; an exact tie (the text ends in .dd5) that went to an odd digit steps back.
  r := round(t::numeric, 2);
  IF t LIKE '%.__5' AND mod(abs(r) * 100, 2) = 1 THEN
    r := r - sign(t::numeric) * 0.01;
  END IF;
  IF abs(t::numeric) < 1e13 THEN
    RETURN trim_scale(r)::text;
  END IF;
  -- Beyond, the text of the double the rounded decimal converts to, as JavaScript writes it (jsonNumberSql).
  d := r;
  IF d = 0 THEN
    RETURN '0';
  ELSIF abs(d) >= 1e-4 AND abs(d) < 1e15 THEN
    RETURN d::text;
  ELSIF abs(d) >= 1e-6 AND abs(d) < 1e21 THEN
    RETURN d::text::numeric::text;
  END IF;
  RETURN regexp_replace(d::text, 'e([+-])0*', 'e\1');
END
$$;

-- The pinned form, for a session whose extra_float_digits is 0 or less (which prints 15 digits, not the shortest).
CREATE FUNCTION performance_value_json(v double precision) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  SET extra_float_digits = 1
  RETURN performance_value_text_json(v::text);

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
-- too), takes its texts; a direct write of either text is overwritten with the right one. The rounding reads
-- the value's text in the writer's session when its extra_float_digits is positive (the default 1, and any
-- value above, print the shortest round-trip digits), through the pinned function otherwise.
CREATE FUNCTION performance_datum_json_text_set() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('extra_float_digits')::integer > 0 THEN
    NEW.value_json := performance_value_text_json(NEW.value::text);
  ELSE
    NEW.value_json := performance_value_json(NEW.value);
  END IF;
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
SET LOCAL extra_float_digits = 1;
UPDATE performance_datum d SET value_json = performance_value_text_json(d.value::text),
  submit_time_json = (SELECT performance_datetime_json(j.submit_time) FROM job j WHERE j.id = d.job_id);
ALTER TABLE performance_datum ENABLE TRIGGER performance_datum_day_count_update;
CREATE TRIGGER performance_datum_json_text BEFORE INSERT OR UPDATE OF value, job_id, value_json, submit_time_json
  ON performance_datum FOR EACH ROW EXECUTE FUNCTION performance_datum_json_text_set();

-- The covering series index (0006, 0007), dropped above, with the two texts included: the summary's datums
-- are an index-only scan again. Same name and keys, so every reader's plan and every insert's index work stay.
CREATE INDEX performance_reposit_c9d328_idx ON performance_datum (repository_id, signature_id, push_timestamp)
  INCLUDE (id, value, job_id, push_id, value_json, submit_time_json);
