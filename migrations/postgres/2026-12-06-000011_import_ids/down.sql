DROP INDEX closures_by_external_id;
ALTER TABLE closures DROP COLUMN external_id;
