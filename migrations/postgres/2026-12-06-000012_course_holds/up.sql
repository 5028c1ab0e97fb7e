-- A course held for a patient portal until `held_until` (its sessions hold
-- their chairs like bookings); confirmed or released, it is null.
ALTER TABLE courses ADD COLUMN held_until TIMESTAMP;
CREATE INDEX courses_held ON courses (held_until) WHERE held_until IS NOT NULL;
