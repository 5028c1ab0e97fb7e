ALTER TABLE courses DROP COLUMN series_start_sequence;
