DROP TABLE email_deliveries;
