DROP INDEX courses_held;
ALTER TABLE courses DROP COLUMN held_until;
