-- Sync sends a lead with the tasks about it (a desktop that lacked the lead
-- links them then): found by lead.
CREATE INDEX tasks_lead ON tasks (lead_id) WHERE lead_id IS NOT NULL;
