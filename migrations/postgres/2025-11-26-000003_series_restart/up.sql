-- A restarted series counts only its own sessions: those numbered after this.
ALTER TABLE courses ADD COLUMN series_start_sequence INTEGER NOT NULL DEFAULT 0;
