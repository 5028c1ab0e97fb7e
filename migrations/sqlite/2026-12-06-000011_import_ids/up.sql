-- A chair block imported from another system keeps that system's id, so
-- importing the same file again changes nothing.
ALTER TABLE closures ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX closures_by_external_id ON closures (clinic_id, external_id) WHERE external_id IS NOT NULL;
