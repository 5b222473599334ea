-- The search index merges its segments eight at a time instead of FTS5's
-- default four (issue #7's create target): a lead's insert writes a small
-- segment of its own, and each merge rewrites what it merges, so with four
-- every posting is rewritten about log4(N) times, with eight log8(N). At 1 M
-- leads, 15,000 creates on copies of one file: 4,682-4,932 a second against
-- 4,124-4,667 with four; searches after 20,000 creates measured the same
-- (p95 7.0 and 6.9 ms: a level holds up to seven segments, not three).
INSERT INTO leads_fts (leads_fts, rank) VALUES ('automerge', 8);
