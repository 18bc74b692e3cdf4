-- performance_value_json (0010) costs about 100 us a call: a SQL function with a SET clause is never inlined, and
-- its body runs as a query of its own each time. The datum trigger wrote a 100-datum INSERT about 15 ms slower
-- for it. The rounding moves to a PL/pgSQL function of the value's text (a few microseconds), which the trigger
-- calls directly whenever the writer's extra_float_digits is positive (PostgreSQL's default 1, and anything
-- above it, print a double's shortest round-trip digits, the text the rounding reads); only a writer that set 0
-- or less goes through the pinned performance_value_json. The texts 0010 stored do not change.

-- quantize2HalfEvenJsonSql (perf/perfcompare/stats/quantize.ts) of a double's shortest text, step by step. The
-- tests compare it with that expression on ties, exponents, -0 and thousands of values.
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

-- The pinned form, for any session (the tests call it with extra_float_digits 3 and 0).
CREATE OR REPLACE FUNCTION performance_value_json(v double precision) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  SET extra_float_digits = 1
  RETURN performance_value_text_json(v::text);

CREATE OR REPLACE FUNCTION performance_datum_json_text_set() RETURNS trigger
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
