-- The patient's answer to a reminder: when they confirmed a booking (a move
-- forgets it), and whether they cancelled it inside the clinic's
-- late-cancellation notice (it binds the patient).
ALTER TABLE sessions ADD COLUMN late_cancellation BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sessions ADD COLUMN confirmed_at TIMESTAMP;
