-- Staff on the floor (see the PostgreSQL migration of the same name).
CREATE TABLE staff_members (
    id         INTEGER PRIMARY KEY,
    clinic_id  BIGINT NOT NULL REFERENCES clinics (id),
    label      TEXT NOT NULL,
    roles      TEXT NOT NULL CHECK (json_valid(roles)),
    shifts     TEXT NOT NULL CHECK (json_valid(shifts)),
    exceptions TEXT NOT NULL CHECK (json_valid(exceptions)),
    active     BOOLEAN NOT NULL DEFAULT 1,
    version    BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT staff_clinic_key UNIQUE (clinic_id, id),
    CONSTRAINT staff_label_unique UNIQUE (clinic_id, label)
);
