DROP TRIGGER sync_field_clocks_follow;
ALTER TABLE sync_clock DROP COLUMN arbiter;
DROP TABLE sync_field_clocks;
DROP TABLE sync_clients;
