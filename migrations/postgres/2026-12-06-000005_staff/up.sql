-- Staff on the floor: who may do what (roles), when they work (weekly
-- shifts in clinic time) and dated exceptions (leave, extra shifts). Each is
-- the engine's JSON shape; the label is for the board, never a patient.
CREATE TABLE staff_members (
    id         BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id  BIGINT NOT NULL REFERENCES clinics (id),
    label      TEXT NOT NULL,
    roles      TEXT NOT NULL CHECK ((roles::jsonb) IS NOT NULL),
    shifts     TEXT NOT NULL CHECK ((shifts::jsonb) IS NOT NULL),
    exceptions TEXT NOT NULL CHECK ((exceptions::jsonb) IS NOT NULL),
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    version    BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT staff_label_unique UNIQUE (clinic_id, label)
);
