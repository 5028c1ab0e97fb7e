-- What Chairside has announced about a session, once each (see the
-- PostgreSQL migration of the same name).
CREATE TABLE session_notices (
    clinic_id  BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    notice     TEXT NOT NULL CHECK (notice IN ('late', 'overrun')),
    noticed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, session_id, notice),
    FOREIGN KEY (clinic_id, session_id) REFERENCES sessions (clinic_id, id)
);
