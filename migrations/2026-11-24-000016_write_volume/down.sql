CREATE INDEX leads_status_created ON leads (status, created_at, seq) WHERE deleted_at IS NULL;
CREATE INDEX leads_source_created ON leads (source, created_at, seq) WHERE deleted_at IS NULL;
DROP TRIGGER change_journal_keeps_newest;
CREATE TABLE change_journal_prev (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    entity    TEXT NOT NULL CHECK (entity IN ('user', 'lead', 'lead_tag', 'note', 'activity',
                  'reminder', 'task', 'customer')),
    entity_id TEXT NOT NULL,
    op        TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'restore')),
    fields    TEXT NOT NULL CHECK (json_valid(fields)),
    actor_id  TEXT,
    at        BIGINT NOT NULL,
    hlc       BIGINT NOT NULL CHECK (hlc > 0),
    origin    TEXT
);
INSERT INTO change_journal_prev SELECT * FROM change_journal;
DROP TABLE change_journal;
ALTER TABLE change_journal_prev RENAME TO change_journal;
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
-- Leads made since get back the activity row their creation was.
INSERT INTO activities (id, lead_id, actor_id, kind, detail, at, created_at, updated_at)
SELECT id, id, created_by, 'created', json_object('via', created_via), created_at, created_at, created_at
FROM leads WHERE created_via IS NOT NULL;
ALTER TABLE leads DROP COLUMN created_via;
ALTER TABLE leads DROP COLUMN created_by;
