-- A window's partial edge days (0008) were counted datum by datum: on the large set the newest day alone holds
-- 54 000 datums of mozilla-central. performance_datum_hour_count keeps the same counts per UTC hour, kept by the
-- same triggers (one more upsert per (repository, hour, signature) per statement): an edge day's whole hours
-- are summed from it, and only the datums of the two partial edge hours are counted one by one.

-- The UTC hour number (hours since 1970-01-01) of a push time.
CREATE FUNCTION performance_datum_hour(ts timestamptz) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN floor(extract(epoch FROM ts) / 3600)::integer;

CREATE TABLE performance_datum_hour_count (
  repository_id integer NOT NULL,
  hour integer NOT NULL,
  signature_id integer NOT NULL,
  datums bigint NOT NULL,
  PRIMARY KEY (repository_id, hour, signature_id) INCLUDE (datums)
);

-- 0008's function, now for both tables: one statement per event, the day and the hour counters upserted
-- from the same rows, each in key order (no deadlock between writers).
CREATE OR REPLACE FUNCTION performance_datum_day_count_apply() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH delta AS (SELECT repository_id, push_timestamp, signature_id, 1 AS n FROM new_rows),
    days AS (
      INSERT INTO performance_datum_day_count AS c (repository_id, day, signature_id, datums)
      SELECT repository_id, performance_datum_day(push_timestamp), signature_id, sum(n) FROM delta
       GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
      ON CONFLICT (repository_id, day, signature_id) DO UPDATE SET datums = c.datums + excluded.datums
    )
    INSERT INTO performance_datum_hour_count AS c (repository_id, hour, signature_id, datums)
    SELECT repository_id, performance_datum_hour(push_timestamp), signature_id, sum(n) FROM delta
     GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (repository_id, hour, signature_id) DO UPDATE SET datums = c.datums + excluded.datums;
  ELSIF TG_OP = 'DELETE' THEN
    WITH delta AS (SELECT repository_id, push_timestamp, signature_id, -1 AS n FROM old_rows),
    days AS (
      INSERT INTO performance_datum_day_count AS c (repository_id, day, signature_id, datums)
      SELECT repository_id, performance_datum_day(push_timestamp), signature_id, sum(n) FROM delta
       GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
      ON CONFLICT (repository_id, day, signature_id) DO UPDATE SET datums = c.datums + excluded.datums
    )
    INSERT INTO performance_datum_hour_count AS c (repository_id, hour, signature_id, datums)
    SELECT repository_id, performance_datum_hour(push_timestamp), signature_id, sum(n) FROM delta
     GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (repository_id, hour, signature_id) DO UPDATE SET datums = c.datums + excluded.datums;
  ELSE
    WITH delta AS (SELECT repository_id, push_timestamp, signature_id, 1 AS n FROM new_rows
                   UNION ALL SELECT repository_id, push_timestamp, signature_id, -1 AS n FROM old_rows),
    days AS (
      INSERT INTO performance_datum_day_count AS c (repository_id, day, signature_id, datums)
      SELECT repository_id, performance_datum_day(push_timestamp), signature_id, sum(n) FROM delta
       GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
      ON CONFLICT (repository_id, day, signature_id) DO UPDATE SET datums = c.datums + excluded.datums
    )
    INSERT INTO performance_datum_hour_count AS c (repository_id, hour, signature_id, datums)
    SELECT repository_id, performance_datum_hour(push_timestamp), signature_id, sum(n) FROM delta
     GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (repository_id, hour, signature_id) DO UPDATE SET datums = c.datums + excluded.datums;
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION performance_datum_day_count_clear() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM performance_datum_day_count;
  DELETE FROM performance_datum_hour_count;
  RETURN NULL;
END
$$;

-- Writers wait until this transaction commits (the lock CREATE TRIGGER would take), then the backfill.
LOCK TABLE performance_datum IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO performance_datum_hour_count (repository_id, hour, signature_id, datums)
SELECT repository_id, performance_datum_hour(push_timestamp), signature_id, count(*)
  FROM performance_datum GROUP BY 1, 2, 3;
