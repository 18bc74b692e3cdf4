-- A Mann-Whitney cache hit is answered from what was stored with the answer: its weak ETag (the MD5 of
-- results_text, as http/etag.ts computes it, so a 304 needs no body read and no hash) and results_text
-- gzipped once, sent with Content-Encoding: gzip to a client that accepts gzip (about a tenth of the
-- bytes to read and send). The gzip copy is compressed already: STORAGE EXTERNAL keeps PostgreSQL from
-- trying again (out of line, uncompressed). Rows cached before this migration keep NULL in both and are
-- served as before.
ALTER TABLE perf_compare_mwu_cache ADD COLUMN etag text, ADD COLUMN results_gzip bytea;
ALTER TABLE perf_compare_mwu_cache ALTER COLUMN results_gzip SET STORAGE EXTERNAL;
