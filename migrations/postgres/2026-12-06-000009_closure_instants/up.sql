-- A closure or chair block may be given as UTC instants (an integration
-- that only knows instants, a block across a clock change), besides whole
-- local days or a local range: exactly one of the three is set.
ALTER TABLE closures ADD COLUMN starts_at TIMESTAMP;
ALTER TABLE closures ADD COLUMN ends_at TIMESTAMP;
ALTER TABLE closures DROP CONSTRAINT closures_one_span;
ALTER TABLE closures ADD CONSTRAINT closures_one_span CHECK (
    (first_day IS NOT NULL AND last_day IS NOT NULL AND first_day <= last_day
        AND local_start IS NULL AND local_end IS NULL AND starts_at IS NULL AND ends_at IS NULL)
    OR (local_start IS NOT NULL AND local_end IS NOT NULL AND local_start < local_end
        AND first_day IS NULL AND last_day IS NULL AND starts_at IS NULL AND ends_at IS NULL)
    OR (starts_at IS NOT NULL AND ends_at IS NOT NULL AND starts_at < ends_at
        AND first_day IS NULL AND last_day IS NULL AND local_start IS NULL AND local_end IS NULL));
