-- Summary tables for the dashboard, kept exact by triggers in the same
-- transaction as every change to a lead, so the dashboard never scans leads.
--
-- lead_totals: live leads per owner, status and source (owner_key '' = unclaimed).
-- lead_events_hourly: leads created, converted and lost per UTC hour, per owner
-- and for everyone (owner_key '*'). Hours, not days, because "today" and "this
-- month" are the user's own: any time zone's days are whole hours of UTC
-- (the few half-hour zones are corrected from the leads table at the edges).

CREATE TABLE lead_totals (
    owner_key TEXT NOT NULL,
    status    TEXT NOT NULL,
    source    TEXT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (owner_key, status, source)
) WITHOUT ROWID;

CREATE TABLE lead_events_hourly (
    kind      TEXT NOT NULL CHECK (kind IN ('created', 'converted', 'lost')),
    owner_key TEXT NOT NULL,
    hour      BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (kind, owner_key, hour)
) WITHOUT ROWID;

-- The edges of half-hour time zones, and "converted this week", count these.
CREATE INDEX leads_converted_at ON leads (converted_at) WHERE deleted_at IS NULL AND converted_at IS NOT NULL;
CREATE INDEX leads_lost_at ON leads (lost_at) WHERE deleted_at IS NULL AND lost_at IS NOT NULL;

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

CREATE TRIGGER leads_summary_update
AFTER UPDATE OF owner_id, status, source, created_at, converted_at, lost_at, deleted_at ON leads
BEGIN
    INSERT INTO lead_totals (owner_key, status, source, n)
    SELECT coalesce(old.owner_id, ''), old.status, old.source, -1 WHERE old.deleted_at IS NULL
    ON CONFLICT (owner_key, status, source) DO UPDATE SET n = n - 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'created', coalesce(old.owner_id, ''), old.created_at / 3600000, -1 WHERE old.deleted_at IS NULL AND old.created_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n - 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'created', '*', old.created_at / 3600000, -1 WHERE old.deleted_at IS NULL AND old.created_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n - 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'converted', coalesce(old.owner_id, ''), old.converted_at / 3600000, -1 WHERE old.deleted_at IS NULL AND old.converted_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n - 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'converted', '*', old.converted_at / 3600000, -1 WHERE old.deleted_at IS NULL AND old.converted_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n - 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'lost', coalesce(old.owner_id, ''), old.lost_at / 3600000, -1 WHERE old.deleted_at IS NULL AND old.lost_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n - 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'lost', '*', old.lost_at / 3600000, -1 WHERE old.deleted_at IS NULL AND old.lost_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n - 1;
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

CREATE TRIGGER leads_summary_delete AFTER DELETE ON leads
BEGIN
    INSERT INTO lead_totals (owner_key, status, source, n)
    SELECT coalesce(old.owner_id, ''), old.status, old.source, -1 WHERE old.deleted_at IS NULL
    ON CONFLICT (owner_key, status, source) DO UPDATE SET n = n - 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'created', coalesce(old.owner_id, ''), old.created_at / 3600000, -1 WHERE old.deleted_at IS NULL AND old.created_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n - 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'created', '*', old.created_at / 3600000, -1 WHERE old.deleted_at IS NULL AND old.created_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n - 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'converted', coalesce(old.owner_id, ''), old.converted_at / 3600000, -1 WHERE old.deleted_at IS NULL AND old.converted_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n - 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'converted', '*', old.converted_at / 3600000, -1 WHERE old.deleted_at IS NULL AND old.converted_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n - 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'lost', coalesce(old.owner_id, ''), old.lost_at / 3600000, -1 WHERE old.deleted_at IS NULL AND old.lost_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n - 1;
    INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
    SELECT 'lost', '*', old.lost_at / 3600000, -1 WHERE old.deleted_at IS NULL AND old.lost_at IS NOT NULL
    ON CONFLICT (kind, owner_key, hour) DO UPDATE SET n = n - 1;
END;

-- Existing leads (a database made before this migration).
INSERT INTO lead_totals (owner_key, status, source, n)
SELECT coalesce(owner_id, ''), status, source, count(*) FROM leads WHERE deleted_at IS NULL
GROUP BY 1, 2, 3;
INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
SELECT 'created', coalesce(owner_id, ''), created_at / 3600000, count(*) FROM leads
WHERE deleted_at IS NULL AND created_at IS NOT NULL GROUP BY 2, 3;
INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
SELECT 'created', '*', created_at / 3600000, count(*) FROM leads
WHERE deleted_at IS NULL AND created_at IS NOT NULL GROUP BY 3;
INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
SELECT 'converted', coalesce(owner_id, ''), converted_at / 3600000, count(*) FROM leads
WHERE deleted_at IS NULL AND converted_at IS NOT NULL GROUP BY 2, 3;
INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
SELECT 'converted', '*', converted_at / 3600000, count(*) FROM leads
WHERE deleted_at IS NULL AND converted_at IS NOT NULL GROUP BY 3;
INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
SELECT 'lost', coalesce(owner_id, ''), lost_at / 3600000, count(*) FROM leads
WHERE deleted_at IS NULL AND lost_at IS NOT NULL GROUP BY 2, 3;
INSERT INTO lead_events_hourly (kind, owner_key, hour, n)
SELECT 'lost', '*', lost_at / 3600000, count(*) FROM leads
WHERE deleted_at IS NULL AND lost_at IS NOT NULL GROUP BY 3;
