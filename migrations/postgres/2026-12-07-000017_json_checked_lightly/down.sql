ALTER TABLE idempotency_keys ALTER COLUMN response_body SET COMPRESSION default;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_after_check,
    ADD CONSTRAINT audit_log_after_check CHECK (after IS NULL OR (after::jsonb) IS NOT NULL);
ALTER TABLE audit_log DROP CONSTRAINT audit_log_before_check,
    ADD CONSTRAINT audit_log_before_check CHECK (before IS NULL OR (before::jsonb) IS NOT NULL);
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_payload_check,
    ADD CONSTRAINT webhook_deliveries_payload_check CHECK ((payload::jsonb) IS NOT NULL);
ALTER TABLE outbox DROP CONSTRAINT outbox_payload_check,
    ADD CONSTRAINT outbox_payload_check CHECK ((payload::jsonb) IS NOT NULL);
