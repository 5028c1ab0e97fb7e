-- A closure or chair block may be given as UTC instants (see the
-- PostgreSQL migration of the same name). SQLite cannot change a CHECK in
-- place, so the table is rebuilt with it.
CREATE TABLE closures_rebuilt (
    id          INTEGER PRIMARY KEY,
    clinic_id   BIGINT NOT NULL REFERENCES clinics (id),
    chair_id    BIGINT,
    first_day   DATE,
    last_day    DATE,
    local_start TIMESTAMP,
    local_end   TIMESTAMP,
    reason      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    starts_at   TIMESTAMP,
    ends_at     TIMESTAMP,
    FOREIGN KEY (clinic_id, chair_id) REFERENCES chairs (clinic_id, id),
    CONSTRAINT closures_one_span CHECK (
        (first_day IS NOT NULL AND last_day IS NOT NULL AND first_day <= last_day
            AND local_start IS NULL AND local_end IS NULL AND starts_at IS NULL AND ends_at IS NULL)
        OR (local_start IS NOT NULL AND local_end IS NOT NULL AND local_start < local_end
            AND first_day IS NULL AND last_day IS NULL AND starts_at IS NULL AND ends_at IS NULL)
        OR (starts_at IS NOT NULL AND ends_at IS NOT NULL AND starts_at < ends_at
            AND first_day IS NULL AND last_day IS NULL AND local_start IS NULL AND local_end IS NULL))
);
INSERT INTO closures_rebuilt (id, clinic_id, chair_id, first_day, last_day, local_start, local_end, reason, created_at)
    SELECT id, clinic_id, chair_id, first_day, last_day, local_start, local_end, reason, created_at FROM closures;
DROP TABLE closures;
ALTER TABLE closures_rebuilt RENAME TO closures;
CREATE INDEX closures_by_clinic ON closures (clinic_id, first_day, local_start);
