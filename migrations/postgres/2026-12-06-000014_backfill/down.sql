DROP TABLE slot_offers;
DROP TABLE waitlist;
DROP TABLE freed_chair_time;
DROP INDEX sessions_held;
DROP INDEX sessions_one_held_time;
ALTER TABLE sessions DROP COLUMN holds_move_of;
ALTER TABLE sessions DROP COLUMN held_until;
