-- The notification centre: per user, newest first, read or unread.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL CHECK (kind IN ('reminder_due', 'lead_assigned', 'claim_lost', 'enquiry_received')),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    lead_id    TEXT REFERENCES leads (id),
    read_at    BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL AND deleted_at IS NULL;
