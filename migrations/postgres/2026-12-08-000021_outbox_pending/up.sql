-- Events wait to be fanned out in a queue of their own, not as a column of
-- the event log.
--
-- Publishing set outbox.published_at, and a column in partial indexes'
-- predicates makes every such update non-HOT: each of a booking's seven
-- events was written again in full, with a new entry in every index of the
-- outbox — under load at eight clients a fifth of PostgreSQL's statement
-- time and a quarter of its WAL, for a fact no reader needs from the row.
-- Now an insert into the outbox queues the new events (a statement
-- trigger: one insert per statement, however many events), the fan-out
-- claims and deletes queue rows, and the event log is written once.
CREATE TABLE outbox_pending (
    id           BIGINT PRIMARY KEY,
    clinic_id    BIGINT NOT NULL,
    aggregate_id BIGINT NOT NULL,
    event_type   TEXT NOT NULL
);
-- Delivery order per course: a delivery waits while an older event of its
-- course is still queued (being fanned out by another replica).
CREATE INDEX outbox_pending_by_aggregate ON outbox_pending (clinic_id, aggregate_id, id);

CREATE FUNCTION chairside_outbox_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox_pending (id, clinic_id, aggregate_id, event_type)
        SELECT id, clinic_id, aggregate_id, event_type FROM new_events;
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_pending_insert AFTER INSERT ON outbox
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_outbox_pending();

INSERT INTO outbox_pending (id, clinic_id, aggregate_id, event_type)
    SELECT id, clinic_id, aggregate_id, event_type FROM outbox WHERE published_at IS NULL;
DROP INDEX outbox_unpublished;
DROP INDEX outbox_unpublished_by_aggregate;
ALTER TABLE outbox DROP COLUMN published_at;
