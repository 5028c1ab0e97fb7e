-- A held time: a row in sessions that holds a chair (and its patient) for
-- a few minutes — a portal holding one session's new time, an offer of
-- freed chair time — guarded by the same exclusion constraints as any
-- booking, and never part of its course until confirmed. `holds_move_of`
-- is the session it would move (absent: a dose it would add).
ALTER TABLE sessions ADD COLUMN held_until TIMESTAMP;
ALTER TABLE sessions ADD COLUMN holds_move_of BIGINT;
CREATE UNIQUE INDEX sessions_one_held_time ON sessions (clinic_id, holds_move_of)
    WHERE holds_move_of IS NOT NULL;
CREATE INDEX sessions_held ON sessions (clinic_id, held_until) WHERE held_until IS NOT NULL;

-- Chair time a change freed, waiting for the backfill worker.
CREATE TABLE freed_chair_time (
    id         INTEGER PRIMARY KEY,
    clinic_id  BIGINT NOT NULL,
    chair_id   BIGINT NOT NULL,
    starts_at  TIMESTAMP NOT NULL,
    ends_at    TIMESTAMP NOT NULL CHECK (starts_at < ends_at),
    freed_at   TIMESTAMP NOT NULL,
    FOREIGN KEY (clinic_id, chair_id) REFERENCES chairs (clinic_id, id)
);

-- Patients waiting for a first course, with the protocol they are to start.
CREATE TABLE waitlist (
    id          INTEGER PRIMARY KEY,
    clinic_id   BIGINT NOT NULL,
    patient_id  BIGINT NOT NULL,
    protocol_id BIGINT NOT NULL,
    since       TIMESTAMP NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('waiting', 'offered', 'booked', 'withdrawn')),
    course_id   BIGINT,
    version     BIGINT NOT NULL DEFAULT 1,
    FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
    FOREIGN KEY (clinic_id, protocol_id) REFERENCES protocols (clinic_id, id)
);
CREATE UNIQUE INDEX waitlist_one_per_patient ON waitlist (clinic_id, patient_id, protocol_id)
    WHERE status IN ('waiting', 'offered');

-- Freed chair time offered to one beneficiary, held for them until it
-- runs out.
CREATE TABLE slot_offers (
    id            INTEGER PRIMARY KEY,
    clinic_id     BIGINT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('rescue', 'earlier', 'first_course')),
    chair_id      BIGINT NOT NULL,
    starts_at     TIMESTAMP NOT NULL,
    ends_at       TIMESTAMP NOT NULL CHECK (starts_at < ends_at),
    freed_starts_at TIMESTAMP NOT NULL,
    freed_ends_at TIMESTAMP NOT NULL,
    course_id     BIGINT NOT NULL,
    session_id    BIGINT,
    held_session_id BIGINT,
    waitlist_id   BIGINT,
    expires_at    TIMESTAMP NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'declined', 'expired')),
    created_at    TIMESTAMP NOT NULL,
    decided_at    TIMESTAMP,
    version       BIGINT NOT NULL DEFAULT 1,
    FOREIGN KEY (clinic_id, chair_id) REFERENCES chairs (clinic_id, id),
    FOREIGN KEY (clinic_id, course_id) REFERENCES courses (clinic_id, id)
);
CREATE INDEX slot_offers_by_status ON slot_offers (clinic_id, status, expires_at);
CREATE INDEX slot_offers_by_chair ON slot_offers (clinic_id, chair_id, freed_starts_at);
