-- CSV imports: one batch per import, recorded on the leads it created, so the
-- whole import can be undone in one step.

CREATE TABLE import_batches (
    id         TEXT PRIMARY KEY NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    file_name  TEXT NOT NULL,
    rows       BIGINT NOT NULL,
    created    BIGINT NOT NULL,
    duplicates BIGINT NOT NULL,
    rejected   BIGINT NOT NULL,
    undone_at  BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX import_batches_created ON import_batches (created_at);

ALTER TABLE leads ADD COLUMN import_batch_id TEXT REFERENCES import_batches (id);
CREATE INDEX leads_import_batch ON leads (import_batch_id) WHERE import_batch_id IS NOT NULL;

-- Duplicate checks compare phone numbers by their last 10 digits (with or
-- without a country code); this index answers that without the search index.
CREATE INDEX leads_phone_key ON leads (substr(phone_digits, -10))
WHERE deleted_at IS NULL AND phone_digits IS NOT NULL;
