-- The list filtered by status and source over a date range (the pipeline's
-- everyday question): with only status or only source indexed, SQLite read
-- every lead of the source in the range to check its status (p95 31 ms at a
-- million leads); this answers the count and the page from one index range.
CREATE INDEX leads_source_status_created ON leads (source, status, created_at, seq) WHERE deleted_at IS NULL;
