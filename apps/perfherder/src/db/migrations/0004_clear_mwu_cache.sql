-- PerfCompare's Mann-Whitney results are cached verbatim (perf_compare_mwu_cache.results). Results
-- cached before the serializer rounding (2 decimals on the nested statistics) and the runs kept in job
-- order must not be served again: the cache key does not change with the format, so the rows go.
-- Every later request recomputes and caches its results in the current format.
TRUNCATE perf_compare_mwu_cache;
