-- The covering datum index of 0006 takes the name of the reference index it replaced (same keys, more
-- columns included), so tools and checks that look for performance_reposit_c9d328_idx still find it.
ALTER INDEX performance_datum_series_covering_idx RENAME TO performance_reposit_c9d328_idx;
