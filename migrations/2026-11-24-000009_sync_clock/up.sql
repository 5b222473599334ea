-- Sync (issue #8) orders changes by a hybrid logical clock (HLC): the wall
-- clock in milliseconds shifted left 16 bits, plus a counter in the low 16
-- bits, so it never runs backwards and stays close to real time. Every
-- journal entry gets one; per-field last-writer-wins compares them.
--
-- The journal is rebuilt rather than altered: its text `id` (and that id's
-- unique index) and the (entity, entity_id, seq) index had no reader, and
-- each cost a page write per change (issue #7's create path). `seq` stays
-- AUTOINCREMENT: it is the order sync pushes in and, on a server, the cursor
-- clients pull from, so it must never be reused.
CREATE TABLE change_journal_next (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    entity    TEXT NOT NULL CHECK (entity IN ('user', 'lead', 'lead_tag', 'note', 'activity',
                  'reminder', 'task', 'customer')),
    entity_id TEXT NOT NULL,
    op        TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'restore')),
    -- The changed fields with their new values (the whole row on insert).
    fields    TEXT NOT NULL CHECK (json_valid(fields)),
    actor_id  TEXT,
    at        BIGINT NOT NULL,
    hlc       BIGINT NOT NULL CHECK (hlc > 0),
    -- The installation the change was made on, when it came by sync; NULL:
    -- made here.
    origin    TEXT
);
-- Entries from before: their wall time is their clock, in their order.
INSERT INTO change_journal_next (seq, entity, entity_id, op, fields, actor_id, at, hlc, origin)
SELECT seq, entity, entity_id, op, fields, actor_id, at,
       max(at, 1) * 65536 + (seq % 65536), NULL
FROM change_journal;
DROP TABLE change_journal;
ALTER TABLE change_journal_next RENAME TO change_journal;

-- The highest clock this installation has seen from elsewhere: its next
-- change must come after it (an edit made after seeing another wins over it).
CREATE TABLE sync_clock (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seen BIGINT NOT NULL
);
INSERT INTO sync_clock (id, seen) VALUES (1, 0);
