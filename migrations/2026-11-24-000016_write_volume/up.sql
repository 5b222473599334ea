-- Fewer pages written per new lead (issue #7's create and import targets):
-- each page a transaction changes is written whole to the WAL, and that,
-- not our code, is what a create costs.

-- 1. A lead's creation is recorded on the lead itself: who made it and how.
-- It was an activity row (with its three index entries and its journal
-- entry) per lead, saying what the row already said. Timelines and the feed
-- show it from here. NULL `created_via`: a lead made before this, whose
-- creation is still an activity row (kept: desktops and servers may hold it).
ALTER TABLE leads ADD COLUMN created_by TEXT REFERENCES users (id);
ALTER TABLE leads ADD COLUMN created_via TEXT CHECK (created_via IN ('app', 'web_form', 'import'));

-- 2. The journal is rebuilt. Its `seq` is a plain rowid: AUTOINCREMENT wrote the
-- sqlite_sequence page on every change. `seq` must never be reused (it is
-- the order a desktop pushes in and the cursor clients pull from); a rowid
-- is max(seq) + 1, so it suffices that the newest entry is never deleted.
-- The purge keeps it; the trigger below makes that a rule of the schema.
CREATE TABLE change_journal_next (
    seq       INTEGER PRIMARY KEY,
    entity    TEXT NOT NULL CHECK (entity IN ('user', 'lead', 'lead_tag', 'note', 'activity',
                  'reminder', 'task', 'customer')),
    entity_id TEXT NOT NULL,
    op        TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'restore')),
    -- The changed fields with their new values (the whole row on insert).
    -- Written by one serializer (journal.rs); no json_valid CHECK: parsing
    -- every entry again on insert was a tenth of the journal's cost.
    fields    TEXT NOT NULL,
    actor_id  TEXT,
    at        BIGINT NOT NULL,
    hlc       BIGINT NOT NULL CHECK (hlc > 0),
    -- The installation the change was made on, when it came by sync; NULL:
    -- made here.
    origin    TEXT
);
INSERT INTO change_journal_next (seq, entity, entity_id, op, fields, actor_id, at, hlc, origin)
SELECT seq, entity, entity_id, op, fields, actor_id, at, hlc, origin FROM change_journal;
DROP TABLE change_journal;
ALTER TABLE change_journal_next RENAME TO change_journal;

CREATE TRIGGER change_journal_keeps_newest BEFORE DELETE ON change_journal
WHEN old.seq = (SELECT max(seq) FROM change_journal)
BEGIN
    SELECT RAISE(ABORT, 'the newest journal entry is kept: its seq must never be reused');
END;

-- Dropped with the old table: the server's per-field clocks follow the
-- journal. Who made a lead and how never change: no clock for them.
CREATE TRIGGER sync_field_clocks_follow AFTER INSERT ON change_journal
WHEN (SELECT arbiter FROM sync_clock WHERE id = 1) = 1
BEGIN
    INSERT INTO sync_field_clocks (entity, entity_id, field, hlc, client_id)
    SELECT new.entity, new.entity_id, key, new.hlc, coalesce(new.origin, '')
    FROM json_each(new.fields)
    WHERE key NOT IN ('id', 'created_at', 'updated_at', 'phone_digits', 'import_batch_id',
                      'created_by', 'created_via')
    ON CONFLICT (entity, entity_id, field) DO UPDATE
    SET hlc = excluded.hlc, client_id = excluded.client_id
    WHERE excluded.hlc > sync_field_clocks.hlc
       OR (excluded.hlc = sync_field_clocks.hlc AND excluded.client_id > sync_field_clocks.client_id);
END;

-- 3. Two lead indexes go: (status, created_at) and (source, created_at).
-- Each cost a page per new lead. A list filtered by status or source alone
-- now walks its sort's index and takes its total from lead_totals (a sort
-- of every lead of a status through the status index took 100+ ms at 1 M);
-- with dates it lists the other column in full and uses
-- (source, status, created_at, seq).
DROP INDEX leads_status_created;
DROP INDEX leads_source_created;
