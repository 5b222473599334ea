-- The write path at a million leads (issue #7): creating one lead per
-- transaction reached ~3,000/s. These are the causes that were measured.

-- Nothing reads this index: phone search goes through leads_fts and the
-- import's duplicate check through leads_phone_key. It cost a page per lead.
DROP INDEX leads_phone_digits;

-- An import's rows are indexed by the import itself, a slice of thousands in
-- one statement each (leads::index_imported): row by row, FTS5 wrote a segment
-- per insert statement and the summaries took three upserts per lead. So the
-- insert triggers leave rows with an import batch alone. Only an import sets
-- import_batch_id.
DROP TRIGGER leads_fts_insert;
CREATE TRIGGER leads_fts_insert AFTER INSERT ON leads WHEN new.deleted_at IS NULL AND new.import_batch_id IS NULL
BEGIN
    INSERT INTO leads_fts (rowid, name, email, company, phone)
    VALUES (new.seq, new.name, new.email, new.company, substr(new.phone_digits, 1) || ' ' || substr(new.phone_digits, 2) || ' ' || substr(new.phone_digits, 3) || ' ' || substr(new.phone_digits, 4) || ' ' || substr(new.phone_digits, 5) || ' ' || substr(new.phone_digits, 6) || ' ' || substr(new.phone_digits, 7) || ' ' || substr(new.phone_digits, 8) || ' ' || substr(new.phone_digits, 9) || ' ' || substr(new.phone_digits, 10) || ' ' || substr(new.phone_digits, 11) || ' ' || substr(new.phone_digits, 12) || ' ' || substr(new.phone_digits, 13) || ' ' || substr(new.phone_digits, 14) || ' ' || substr(new.phone_digits, 15) || ' ' || substr(new.phone_digits, 16) || ' ' || substr(new.phone_digits, 17) || ' ' || substr(new.phone_digits, 18) || ' ' || substr(new.phone_digits, 19) || ' ' || substr(new.phone_digits, 20));
END;

-- The summary trigger ran seven upserts per new lead, four of them for
-- conversions and losses a new lead almost never has. One trigger per case,
-- chosen by WHEN, and the owner's and everyone's row in one statement.
DROP TRIGGER leads_summary_insert;

CREATE TRIGGER leads_summary_insert AFTER INSERT ON leads
WHEN new.deleted_at IS NULL AND new.import_batch_id IS NULL
BEGIN
    INSERT INTO lead_totals (owner_key, status, source, n)
    VALUES (coalesce(new.owner_id, ''), new.status, new.source, 1)
    ON CONFLICT (owner_key, status, source) DO UPDATE SET n = n + 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    VALUES ('created', coalesce(new.owner_id, ''), new.created_at / 3600000, 1),
           ('created', '*', new.created_at / 3600000, 1)
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER leads_summary_insert_converted AFTER INSERT ON leads
WHEN new.deleted_at IS NULL AND new.import_batch_id IS NULL AND new.converted_at IS NOT NULL
BEGIN
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    VALUES ('converted', coalesce(new.owner_id, ''), new.converted_at / 3600000, 1),
           ('converted', '*', new.converted_at / 3600000, 1)
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER leads_summary_insert_lost AFTER INSERT ON leads
WHEN new.deleted_at IS NULL AND new.import_batch_id IS NULL AND new.lost_at IS NOT NULL
BEGIN
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    VALUES ('lost', coalesce(new.owner_id, ''), new.lost_at / 3600000, 1),
           ('lost', '*', new.lost_at / 3600000, 1)
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n + 1;
END;
