-- A desktop's side of sync (issue #8): which server it syncs with, as whom,
-- and how far it has pushed and pulled. One row: a desktop syncs with one
-- server as one user at a time (signing in as someone else starts over).
CREATE TABLE sync_state (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    server_url     TEXT NOT NULL,
    -- This desktop-and-user's id on the server, a UUIDv7.
    client_id      TEXT NOT NULL,
    -- The server's user this desktop pushes and pulls as.
    user_id        TEXT NOT NULL,
    -- Journal entries made here up to this seq are settled on the server.
    pushed_seq     BIGINT NOT NULL DEFAULT 0,
    -- The server journal's position the next pull starts after.
    cursor         BIGINT NOT NULL DEFAULT 0,
    last_success_at BIGINT,
    last_error     TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

-- Changes of this desktop's user that the server settled otherwise: a field
-- a later write won, or an operation refused (a claim someone else won), for
-- the user to review.
CREATE TABLE sync_conflicts (
    id          TEXT PRIMARY KEY NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    -- NULL: the whole operation was refused.
    field       TEXT,
    -- JSON: what this desktop wrote, and what the server kept.
    yours       TEXT NOT NULL,
    winning     TEXT NOT NULL,
    message     TEXT NOT NULL,
    at          BIGINT NOT NULL,
    reviewed_at BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX sync_conflicts_unreviewed ON sync_conflicts (at) WHERE reviewed_at IS NULL;
