ALTER TABLE sync_state DROP COLUMN refresh_token;
