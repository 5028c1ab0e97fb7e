-- The patient's answer to a reminder (see the PostgreSQL migration of the
-- same name).
ALTER TABLE sessions ADD COLUMN late_cancellation BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN confirmed_at TIMESTAMP;
