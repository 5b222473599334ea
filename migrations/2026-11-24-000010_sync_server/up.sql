-- Sync, the team server's side (issue #8; docs/SYNC.md).

-- Each client id belongs to the user who first pushed with it. `applied_seq`
-- is the last of its operations applied, so a retried batch changes nothing.
CREATE TABLE sync_clients (
    client_id   TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    applied_seq BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
) WITHOUT ROWID;

-- The clock of the latest write of each field of each record, for per-field
-- last-writer-wins (ties broken by client id; '' is the server itself).
CREATE TABLE sync_field_clocks (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field     TEXT NOT NULL,
    hlc       BIGINT NOT NULL,
    client_id TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id, field)
) WITHOUT ROWID;

-- Only the server arbitrates, so only a database opened as a server keeps
-- field clocks (a desktop's own changes need none).
ALTER TABLE sync_clock ADD COLUMN arbiter INTEGER NOT NULL DEFAULT 0 CHECK (arbiter IN (0, 1));

-- Every change journalled on the server, made there or pushed, moves the
-- clocks of the fields it set (the bookkeeping columns are not arbitrated).
CREATE TRIGGER sync_field_clocks_follow AFTER INSERT ON change_journal
WHEN (SELECT arbiter FROM sync_clock WHERE id = 1) = 1
BEGIN
    INSERT INTO sync_field_clocks (entity, entity_id, field, hlc, client_id)
    SELECT new.entity, new.entity_id, key, new.hlc, coalesce(new.origin, '')
    FROM json_each(new.fields)
    WHERE key NOT IN ('id', 'created_at', 'updated_at', 'phone_digits', 'import_batch_id')
    ON CONFLICT (entity, entity_id, field) DO UPDATE
    SET hlc = excluded.hlc, client_id = excluded.client_id
    WHERE excluded.hlc > sync_field_clocks.hlc
       OR (excluded.hlc = sync_field_clocks.hlc AND excluded.client_id > sync_field_clocks.client_id);
END;
