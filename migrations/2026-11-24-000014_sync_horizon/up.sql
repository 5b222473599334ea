-- The purge horizon (docs/SYNC.md): a team server drops journal entries
-- every recent client has pulled past, and tombstones nobody still needs;
-- a desktop whose cursor is older does a full resync from a snapshot.

-- Server: journal entries at or below this seq are gone.
ALTER TABLE sync_clock ADD COLUMN purged_through BIGINT NOT NULL DEFAULT 0;
-- Server: the cursor a client last pulled from (it holds everything before).
ALTER TABLE sync_clients ADD COLUMN pulled_seq BIGINT;

-- Desktop: a full resync is under way; the leads the snapshot has sent so
-- far, so that those it did not send can be dropped when it ends.
ALTER TABLE sync_state ADD COLUMN resync INTEGER NOT NULL DEFAULT 0 CHECK (resync IN (0, 1));
CREATE TABLE sync_resync_seen (
    lead_id TEXT PRIMARY KEY NOT NULL
) WITHOUT ROWID;
