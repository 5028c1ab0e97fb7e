DROP INDEX courses_one_running_per_kind;
ALTER TABLE sessions DROP COLUMN omitted;
ALTER TABLE courses DROP COLUMN extension_accepted;
ALTER TABLE courses DROP COLUMN series_started_at;
ALTER TABLE courses DROP COLUMN modality;
