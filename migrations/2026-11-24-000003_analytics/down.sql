DROP TRIGGER leads_summary_delete;
DROP TRIGGER leads_summary_update;
DROP TRIGGER leads_summary_insert;
DROP INDEX leads_lost_at;
DROP INDEX leads_converted_at;
DROP TABLE lead_events_hourly;
DROP TABLE lead_totals;
