-- A Mann-Whitney cache hit sends the stored answer as it is: results_text holds the JSON text of
-- `results` (keys in jsonb order, numbers as JavaScript writes them), so a hit neither parses the jsonb
-- (a megabyte for a large comparison) nor serialises it again. Rows cached before this column existed
-- keep NULL and are served from `results`.
ALTER TABLE perf_compare_mwu_cache ADD COLUMN results_text text;
