ALTER TABLE outbox ADD COLUMN published_at TIMESTAMP;
UPDATE outbox SET published_at = created_at
    WHERE id NOT IN (SELECT id FROM outbox_pending);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_unpublished_by_aggregate
    ON outbox (clinic_id, aggregate_id, id) WHERE published_at IS NULL;
DROP TRIGGER outbox_pending_insert ON outbox;
DROP FUNCTION chairside_outbox_pending();
DROP TABLE outbox_pending;
