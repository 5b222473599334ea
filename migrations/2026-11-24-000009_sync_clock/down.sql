DROP TABLE sync_clock;
CREATE TABLE change_journal_previous (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    id        TEXT NOT NULL UNIQUE,
    entity    TEXT NOT NULL CHECK (entity IN ('user', 'lead', 'lead_tag', 'note', 'activity',
                  'reminder', 'task', 'customer')),
    entity_id TEXT NOT NULL,
    op        TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'restore')),
    fields    TEXT NOT NULL CHECK (json_valid(fields)),
    actor_id  TEXT,
    at        BIGINT NOT NULL
);
INSERT INTO change_journal_previous (seq, id, entity, entity_id, op, fields, actor_id, at)
SELECT seq, printf('00000000-0000-7000-8000-%012d', seq), entity, entity_id, op, fields, actor_id, at
FROM change_journal;
DROP TABLE change_journal;
ALTER TABLE change_journal_previous RENAME TO change_journal;
CREATE INDEX change_journal_entity ON change_journal (entity, entity_id, seq);
