DROP INDEX leads_phone_key;
DROP INDEX leads_import_batch;
ALTER TABLE leads DROP COLUMN import_batch_id;
DROP TABLE import_batches;
