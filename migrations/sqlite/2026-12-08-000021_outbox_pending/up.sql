-- Events wait to be fanned out in a queue of their own, not as a column of
-- the event log (the PostgreSQL migration says why): an insert into the
-- outbox queues the event, the fan-out deletes it from the queue.
CREATE TABLE outbox_pending (
    id           INTEGER PRIMARY KEY,
    clinic_id    BIGINT NOT NULL,
    aggregate_id BIGINT NOT NULL,
    event_type   TEXT NOT NULL
);
CREATE INDEX outbox_pending_by_aggregate ON outbox_pending (clinic_id, aggregate_id, id);

CREATE TRIGGER outbox_pending_insert AFTER INSERT ON outbox BEGIN
    INSERT INTO outbox_pending (id, clinic_id, aggregate_id, event_type)
        VALUES (NEW.id, NEW.clinic_id, NEW.aggregate_id, NEW.event_type);
END;

INSERT INTO outbox_pending (id, clinic_id, aggregate_id, event_type)
    SELECT id, clinic_id, aggregate_id, event_type FROM outbox WHERE published_at IS NULL;
DROP INDEX outbox_unpublished;
DROP INDEX outbox_unpublished_by_aggregate;
ALTER TABLE outbox DROP COLUMN published_at;
