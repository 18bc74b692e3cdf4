-- The series reads (summary, PerfCompare, /data/ by signature) select datums by (repository, signature,
-- push time) and read only their id, value, job and push. With those columns in the index they are
-- index-only scans: on the medium data set the heaviest summary's datums statement touched about 15 500
-- buffers (one heap page per datum, scattered) and touches about 800 now. The index replaces the
-- reference's (repository_id, signature_id, push_timestamp) index, whose keys it starts with, so an
-- insert still updates one index for these keys; the entries are wider (37 MB to 81 MB on the medium set).
CREATE INDEX IF NOT EXISTS performance_datum_series_covering_idx
  ON performance_datum (repository_id, signature_id, push_timestamp) INCLUDE (id, value, job_id, push_id);
DROP INDEX IF EXISTS performance_reposit_c9d328_idx;
