-- Drops everything up.sql created (triggers and indexes go with their tables).
DROP INDEX outbox_unpublished_by_aggregate;
DROP TABLE reminders_sent;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_subscriptions;
