DELETE FROM closures WHERE starts_at IS NOT NULL;
ALTER TABLE closures DROP CONSTRAINT closures_one_span;
ALTER TABLE closures DROP COLUMN ends_at;
ALTER TABLE closures DROP COLUMN starts_at;
ALTER TABLE closures ADD CONSTRAINT closures_one_span CHECK (
    (first_day IS NOT NULL AND last_day IS NOT NULL AND first_day <= last_day
        AND local_start IS NULL AND local_end IS NULL)
    OR (local_start IS NOT NULL AND local_end IS NOT NULL AND local_start < local_end
        AND first_day IS NULL AND last_day IS NULL));
