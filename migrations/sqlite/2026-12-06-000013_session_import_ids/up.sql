-- An appointment imported from another system keeps that system's id, so
-- importing the same file again books nothing twice.
ALTER TABLE sessions ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX sessions_by_external_id ON sessions (clinic_id, external_id) WHERE external_id IS NOT NULL;
