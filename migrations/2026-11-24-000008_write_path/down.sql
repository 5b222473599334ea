DROP TRIGGER leads_fts_insert;
CREATE TRIGGER leads_fts_insert AFTER INSERT ON leads WHEN new.deleted_at IS NULL
BEGIN
    INSERT INTO leads_fts (rowid, name, email, company, phone)
    VALUES (new.seq, new.name, new.email, new.company, substr(new.phone_digits, 1) || ' ' || substr(new.phone_digits, 2) || ' ' || substr(new.phone_digits, 3) || ' ' || substr(new.phone_digits, 4) || ' ' || substr(new.phone_digits, 5) || ' ' || substr(new.phone_digits, 6) || ' ' || substr(new.phone_digits, 7) || ' ' || substr(new.phone_digits, 8) || ' ' || substr(new.phone_digits, 9) || ' ' || substr(new.phone_digits, 10) || ' ' || substr(new.phone_digits, 11) || ' ' || substr(new.phone_digits, 12) || ' ' || substr(new.phone_digits, 13) || ' ' || substr(new.phone_digits, 14) || ' ' || substr(new.phone_digits, 15) || ' ' || substr(new.phone_digits, 16) || ' ' || substr(new.phone_digits, 17) || ' ' || substr(new.phone_digits, 18) || ' ' || substr(new.phone_digits, 19) || ' ' || substr(new.phone_digits, 20));
END;

DROP TRIGGER leads_summary_insert;
DROP TRIGGER leads_summary_insert_converted;
DROP TRIGGER leads_summary_insert_lost;
CREATE TRIGGER leads_summary_insert AFTER INSERT ON leads
BEGIN
    INSERT INTO lead_totals (owner_key, status, source, n)
    SELECT coalesce(new.owner_id, ''), new.status, new.source, +1 WHERE new.deleted_at IS NULL
    ON CONFLICT (owner_key, status, source) DO UPDATE SET n = n + 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'created', coalesce(new.owner_id, ''), new.created_at / 3600000, +1 WHERE new.deleted_at IS NULL AND new.created_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n + 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'created', '*', new.created_at / 3600000, +1 WHERE new.deleted_at IS NULL AND new.created_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n + 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'converted', coalesce(new.owner_id, ''), new.converted_at / 3600000, +1 WHERE new.deleted_at IS NULL AND new.converted_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n + 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'converted', '*', new.converted_at / 3600000, +1 WHERE new.deleted_at IS NULL AND new.converted_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n + 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'lost', coalesce(new.owner_id, ''), new.lost_at / 3600000, +1 WHERE new.deleted_at IS NULL AND new.lost_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n + 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'lost', '*', new.lost_at / 3600000, +1 WHERE new.deleted_at IS NULL AND new.lost_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n + 1;
END;

CREATE INDEX leads_phone_digits ON leads (phone_digits) WHERE deleted_at IS NULL AND phone_digits IS NOT NULL;
