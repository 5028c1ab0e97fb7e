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
    FOREIGN KEY (clinic_id, chair_id) REFERENCES chairs (clinic_id, id),
    CONSTRAINT closures_one_span CHECK (
        (first_day IS NOT NULL AND last_day IS NOT NULL AND first_day <= last_day
            AND local_start IS NULL AND local_end IS NULL)
        OR (local_start IS NOT NULL AND local_end IS NOT NULL AND local_start < local_end
            AND first_day IS NULL AND last_day IS NULL))
);
INSERT INTO closures_rebuilt (id, clinic_id, chair_id, first_day, last_day, local_start, local_end, reason, created_at)
    SELECT id, clinic_id, chair_id, first_day, last_day, local_start, local_end, reason, created_at FROM closures
    WHERE starts_at IS NULL;
DROP TABLE closures;
ALTER TABLE closures_rebuilt RENAME TO closures;
CREATE INDEX closures_by_clinic ON closures (clinic_id, first_day, local_start);
