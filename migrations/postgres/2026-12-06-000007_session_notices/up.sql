-- What Chairside has announced about a session, once each: a late arrival,
-- an overrun that reaches the next booking on its chair. The primary key is
-- the claim: of any number of replicas, one inserts and announces.
CREATE TABLE session_notices (
    clinic_id  BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    notice     TEXT NOT NULL CHECK (notice IN ('late', 'overrun')),
    noticed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, session_id, notice),
    FOREIGN KEY (clinic_id, session_id) REFERENCES sessions (clinic_id, id)
);
