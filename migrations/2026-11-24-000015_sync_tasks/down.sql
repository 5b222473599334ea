DROP INDEX tasks_lead;
