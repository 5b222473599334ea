-- What each user's desktops were sent (issue #8): when a record leaves a
-- user's sight (a lead reassigned away from an Agent), only those who held it
-- are told to remove it, so nobody learns of records they never saw.
CREATE TABLE sync_held (
    user_id   TEXT NOT NULL REFERENCES users (id),
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    PRIMARY KEY (user_id, entity, entity_id)
) WITHOUT ROWID;
