-- What the team server's mailer has sent, so a restart never sends one twice.
-- Delivery bookkeeping of one server, not CRM data: never journalled or synced,
-- which is why it is a table of its own rather than columns on reminders and
-- notifications. `subject` is 'reminder:<id>' or 'notification:<id>'.
CREATE TABLE email_deliveries (
    subject TEXT PRIMARY KEY NOT NULL,
    sent_at BIGINT NOT NULL
);
