DROP TABLE sync_held;
