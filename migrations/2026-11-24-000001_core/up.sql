-- Leadlight's core schema.
--
-- Conventions (shared/ARCHITECTURE.md): ids are UUIDv7 strings; times are
-- BIGINT milliseconds since the Unix epoch, UTC; rows are never deleted by the
-- application, only tombstoned with deleted_at; enumerations are lower-case text
-- guarded by CHECK constraints that mirror the Rust enums.

CREATE TABLE users (
    id             TEXT PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL CHECK (length(trim(name)) > 0),
    -- NOCASE: one account per address whatever its capitalisation.
    email          TEXT NOT NULL COLLATE NOCASE,
    -- NULL until a password is set: such an account cannot sign in.
    password_hash  TEXT,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'agent')),
    time_zone      TEXT NOT NULL DEFAULT 'UTC',
    deactivated_at BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    deleted_at     BIGINT
);
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE leads (
    -- Internal rowid alias so the FTS index has a stable integer key (a hidden
    -- rowid may change on VACUUM). It never leaves the store; `id` is the key.
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL COLLATE NOCASE CHECK (length(trim(name)) > 0),
    email        TEXT COLLATE NOCASE,
    phone        TEXT,
    -- The phone's digits only, so "+1 (555) 010-2030" matches "5550102030".
    phone_digits TEXT,
    company      TEXT,
    source       TEXT NOT NULL CHECK (source IN ('website', 'referral', 'ad', 'other')),
    status       TEXT NOT NULL CHECK (status IN ('new', 'contacted', 'qualified', 'converted', 'lost')),
    owner_id     TEXT REFERENCES users (id),
    claimed_at   BIGINT,
    converted_at BIGINT,
    lost_at      BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    deleted_at   BIGINT,
    CHECK ((status = 'converted') = (converted_at IS NOT NULL)),
    CHECK ((status = 'lost') = (lost_at IS NOT NULL))
);
-- One index per list shape (filter prefix, then the sort key, then seq for a
-- stable order on ties). Partial: tombstones never appear in lists.
CREATE INDEX leads_created ON leads (created_at, seq) WHERE deleted_at IS NULL;
CREATE INDEX leads_updated ON leads (updated_at, seq) WHERE deleted_at IS NULL;
CREATE INDEX leads_name ON leads (name, seq) WHERE deleted_at IS NULL;
CREATE INDEX leads_status_created ON leads (status, created_at, seq) WHERE deleted_at IS NULL;
CREATE INDEX leads_source_created ON leads (source, created_at, seq) WHERE deleted_at IS NULL;
CREATE INDEX leads_owner_created ON leads (owner_id, created_at, seq) WHERE deleted_at IS NULL;
CREATE INDEX leads_email ON leads (email) WHERE deleted_at IS NULL AND email IS NOT NULL;
CREATE INDEX leads_phone_digits ON leads (phone_digits) WHERE deleted_at IS NULL AND phone_digits IS NOT NULL;

-- Full-text search over live leads. Contentless (the text lives in `leads`);
-- the phone column holds every suffix of the digits, so a search for the last
-- digits of a number is a prefix match on one of its tokens.
CREATE VIRTUAL TABLE leads_fts USING fts5 (
    name, email, company, phone,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TRIGGER leads_fts_insert AFTER INSERT ON leads WHEN new.deleted_at IS NULL
BEGIN
    INSERT INTO leads_fts (rowid, name, email, company, phone)
    VALUES (new.seq, new.name, new.email, new.company, substr(new.phone_digits, 1) || ' ' || substr(new.phone_digits, 2) || ' ' || substr(new.phone_digits, 3) || ' ' || substr(new.phone_digits, 4) || ' ' || substr(new.phone_digits, 5) || ' ' || substr(new.phone_digits, 6) || ' ' || substr(new.phone_digits, 7) || ' ' || substr(new.phone_digits, 8) || ' ' || substr(new.phone_digits, 9) || ' ' || substr(new.phone_digits, 10) || ' ' || substr(new.phone_digits, 11) || ' ' || substr(new.phone_digits, 12) || ' ' || substr(new.phone_digits, 13) || ' ' || substr(new.phone_digits, 14) || ' ' || substr(new.phone_digits, 15) || ' ' || substr(new.phone_digits, 16) || ' ' || substr(new.phone_digits, 17) || ' ' || substr(new.phone_digits, 18) || ' ' || substr(new.phone_digits, 19) || ' ' || substr(new.phone_digits, 20));
END;

CREATE TRIGGER leads_fts_update AFTER UPDATE OF name, email, company, phone_digits, deleted_at ON leads
BEGIN
    DELETE FROM leads_fts WHERE rowid = old.seq;
    INSERT INTO leads_fts (rowid, name, email, company, phone)
    SELECT new.seq, new.name, new.email, new.company, substr(new.phone_digits, 1) || ' ' || substr(new.phone_digits, 2) || ' ' || substr(new.phone_digits, 3) || ' ' || substr(new.phone_digits, 4) || ' ' || substr(new.phone_digits, 5) || ' ' || substr(new.phone_digits, 6) || ' ' || substr(new.phone_digits, 7) || ' ' || substr(new.phone_digits, 8) || ' ' || substr(new.phone_digits, 9) || ' ' || substr(new.phone_digits, 10) || ' ' || substr(new.phone_digits, 11) || ' ' || substr(new.phone_digits, 12) || ' ' || substr(new.phone_digits, 13) || ' ' || substr(new.phone_digits, 14) || ' ' || substr(new.phone_digits, 15) || ' ' || substr(new.phone_digits, 16) || ' ' || substr(new.phone_digits, 17) || ' ' || substr(new.phone_digits, 18) || ' ' || substr(new.phone_digits, 19) || ' ' || substr(new.phone_digits, 20)
    WHERE new.deleted_at IS NULL;
END;

CREATE TRIGGER leads_fts_delete AFTER DELETE ON leads
BEGIN
    DELETE FROM leads_fts WHERE rowid = old.seq;
END;

CREATE TABLE lead_tags (
    lead_id    TEXT NOT NULL REFERENCES leads (id),
    tag        TEXT NOT NULL COLLATE NOCASE CHECK (length(tag) BETWEEN 1 AND 40),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT,
    PRIMARY KEY (lead_id, tag)
) WITHOUT ROWID;
CREATE INDEX lead_tags_tag ON lead_tags (tag, lead_id) WHERE deleted_at IS NULL;

CREATE TABLE notes (
    id         TEXT PRIMARY KEY NOT NULL,
    lead_id    TEXT NOT NULL REFERENCES leads (id),
    author_id  TEXT REFERENCES users (id),
    body       TEXT NOT NULL CHECK (length(trim(body)) > 0),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX notes_lead ON notes (lead_id, created_at) WHERE deleted_at IS NULL;

CREATE TABLE activities (
    id         TEXT PRIMARY KEY NOT NULL,
    lead_id    TEXT NOT NULL REFERENCES leads (id),
    -- NULL when no signed-in user acted (the public enquiry form).
    actor_id   TEXT REFERENCES users (id),
    kind       TEXT NOT NULL CHECK (kind IN ('created', 'updated', 'status_changed', 'note_added',
                   'assigned', 'claimed', 'converted', 'call', 'meeting', 'email', 'reminder_done')),
    detail     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
    at         BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX activities_lead_at ON activities (lead_id, at, id);
CREATE INDEX activities_at ON activities (at, id);

CREATE TABLE reminders (
    id          TEXT PRIMARY KEY NOT NULL,
    lead_id     TEXT NOT NULL REFERENCES leads (id),
    owner_id    TEXT NOT NULL REFERENCES users (id),
    due_at      BIGINT NOT NULL,
    message     TEXT NOT NULL CHECK (length(trim(message)) > 0),
    done_at     BIGINT,
    notified_at BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    deleted_at  BIGINT
);
CREATE INDEX reminders_pending_due ON reminders (due_at, id) WHERE deleted_at IS NULL AND done_at IS NULL;
CREATE INDEX reminders_owner_pending_due ON reminders (owner_id, due_at, id) WHERE deleted_at IS NULL AND done_at IS NULL;
CREATE INDEX reminders_lead ON reminders (lead_id, due_at) WHERE deleted_at IS NULL;

CREATE TABLE tasks (
    id           TEXT PRIMARY KEY NOT NULL,
    title        TEXT NOT NULL CHECK (length(trim(title)) > 0),
    description  TEXT NOT NULL DEFAULT '',
    due_at       BIGINT,
    assignee_id  TEXT NOT NULL REFERENCES users (id),
    lead_id      TEXT REFERENCES leads (id),
    status       TEXT NOT NULL CHECK (status IN ('open', 'done')),
    completed_at BIGINT,
    created_by   TEXT NOT NULL REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    deleted_at   BIGINT,
    CHECK ((status = 'done') = (completed_at IS NOT NULL))
);
CREATE INDEX tasks_assignee ON tasks (assignee_id, status, due_at) WHERE deleted_at IS NULL;
CREATE INDEX tasks_open_due ON tasks (due_at) WHERE deleted_at IS NULL AND status = 'open';
CREATE INDEX tasks_created ON tasks (created_at, id) WHERE deleted_at IS NULL;

CREATE TABLE customers (
    id         TEXT PRIMARY KEY NOT NULL,
    lead_id    TEXT NOT NULL UNIQUE REFERENCES leads (id),
    name       TEXT NOT NULL CHECK (length(trim(name)) > 0),
    email      TEXT,
    phone      TEXT,
    company    TEXT,
    owner_id   TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX customers_owner ON customers (owner_id, created_at) WHERE deleted_at IS NULL;
CREATE INDEX customers_created ON customers (created_at, id) WHERE deleted_at IS NULL;

-- Every mutation appends here in its own transaction; sync pushes from it, and
-- the activity feed and undo can read it. `seq` is the local order only.
CREATE TABLE change_journal (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    id        TEXT NOT NULL UNIQUE,
    entity    TEXT NOT NULL CHECK (entity IN ('user', 'lead', 'lead_tag', 'note', 'activity',
                  'reminder', 'task', 'customer')),
    entity_id TEXT NOT NULL,
    op        TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'restore')),
    -- The changed fields with their new values (the whole row on insert).
    fields    TEXT NOT NULL CHECK (json_valid(fields)),
    actor_id  TEXT,
    at        BIGINT NOT NULL
);
CREATE INDEX change_journal_entity ON change_journal (entity, entity_id, seq);
