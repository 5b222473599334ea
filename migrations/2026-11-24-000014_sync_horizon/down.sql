DROP TABLE sync_resync_seen;
ALTER TABLE sync_state DROP COLUMN resync;
ALTER TABLE sync_clients DROP COLUMN pulled_seq;
ALTER TABLE sync_clock DROP COLUMN purged_through;
