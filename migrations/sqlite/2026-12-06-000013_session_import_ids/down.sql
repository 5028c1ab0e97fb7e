DROP INDEX sessions_by_external_id;
ALTER TABLE sessions DROP COLUMN external_id;
