ALTER TABLE sessions DROP COLUMN confirmed_at;
ALTER TABLE sessions DROP COLUMN late_cancellation;
