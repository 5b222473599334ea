INSERT INTO leads_fts (leads_fts, rank) VALUES ('automerge', 4);
