-- Chairside schema, SQLite. Same tables, columns and names as
-- migrations/postgres; docs/storage.md explains the conventions.
--
-- * Instants are TEXT 'YYYY-MM-DD HH:MM:SS' in UTC (whole seconds, the format
--   diesel writes and SQLite's datetime() returns), so text order is time
--   order; session bounds are checked to have exactly that shape because the
--   overlap triggers compare them as text.
-- * The exclusion constraints of PostgreSQL become BEFORE INSERT/UPDATE
--   triggers; the store runs every write in BEGIN IMMEDIATE, so the check and
--   the write cannot interleave with another writer.

CREATE TABLE clinics (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    time_zone     TEXT NOT NULL,
    opening_hours TEXT NOT NULL CHECK (json_valid(opening_hours)),
    settings      TEXT NOT NULL CHECK (json_valid(settings)),
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE chairs (
    id         INTEGER PRIMARY KEY,
    clinic_id  BIGINT NOT NULL REFERENCES clinics (id),
    label      TEXT NOT NULL,
    modalities TEXT NOT NULL CHECK (json_valid(modalities)),
    position   INTEGER NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT 1,
    version    BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT chairs_clinic_key UNIQUE (clinic_id, id),
    CONSTRAINT chairs_label_unique UNIQUE (clinic_id, label)
);
CREATE INDEX chairs_order ON chairs (clinic_id, position, id);

CREATE TABLE closures (
    id          INTEGER PRIMARY KEY,
    clinic_id   BIGINT NOT NULL REFERENCES clinics (id),
    chair_id    BIGINT,
    first_day   DATE,
    last_day    DATE,
    local_start TIMESTAMP,
    local_end   TIMESTAMP,
    reason      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    FOREIGN KEY (clinic_id, chair_id) REFERENCES chairs (clinic_id, id),
    CONSTRAINT closures_one_span CHECK (
        (first_day IS NOT NULL AND last_day IS NOT NULL AND first_day <= last_day
            AND local_start IS NULL AND local_end IS NULL)
        OR (local_start IS NOT NULL AND local_end IS NOT NULL AND local_start < local_end
            AND first_day IS NULL AND last_day IS NULL))
);
CREATE INDEX closures_by_clinic ON closures (clinic_id, first_day, local_start);

CREATE TABLE protocols (
    id              INTEGER PRIMARY KEY,
    clinic_id       BIGINT NOT NULL REFERENCES clinics (id),
    code            TEXT NOT NULL,
    name            TEXT NOT NULL,
    latest_revision INTEGER NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    CONSTRAINT protocols_clinic_key UNIQUE (clinic_id, id),
    CONSTRAINT protocols_code_unique UNIQUE (clinic_id, code)
);

CREATE TABLE protocol_versions (
    id          INTEGER PRIMARY KEY,
    clinic_id   BIGINT NOT NULL,
    protocol_id BIGINT NOT NULL,
    revision    INTEGER NOT NULL CHECK (revision >= 1),
    definition  TEXT NOT NULL CHECK (json_valid(definition)),
    created_at  TIMESTAMP NOT NULL,
    FOREIGN KEY (clinic_id, protocol_id) REFERENCES protocols (clinic_id, id),
    CONSTRAINT protocol_versions_clinic_key UNIQUE (clinic_id, id),
    CONSTRAINT protocol_versions_revision_unique UNIQUE (clinic_id, protocol_id, revision)
);

CREATE TABLE patients (
    id                  INTEGER PRIMARY KEY,
    clinic_id           BIGINT NOT NULL REFERENCES clinics (id),
    external_ref        TEXT NOT NULL,
    display_name        TEXT NOT NULL,
    preferences         TEXT NOT NULL CHECK (json_valid(preferences)),
    intake_assessed_on  DATE,
    consent_on_file     BOOLEAN NOT NULL DEFAULT 0,
    rems_enrolled_on    DATE,
    escort_confirmed    BOOLEAN NOT NULL DEFAULT 0,
    calendar_token_hash TEXT,
    version             BIGINT NOT NULL DEFAULT 1,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    CONSTRAINT patients_clinic_key UNIQUE (clinic_id, id),
    CONSTRAINT patients_external_ref_unique UNIQUE (clinic_id, external_ref),
    CONSTRAINT patients_calendar_token_unique UNIQUE (clinic_id, calendar_token_hash)
);

CREATE TABLE courses (
    id                  INTEGER PRIMARY KEY,
    clinic_id           BIGINT NOT NULL,
    patient_id          BIGINT NOT NULL,
    protocol_version_id BIGINT NOT NULL,
    status              TEXT NOT NULL
        CHECK (status IN ('active', 'paused', 'completed', 'ceased')),
    current_phase       INTEGER NOT NULL DEFAULT 0 CHECK (current_phase >= 0),
    booster_policy      TEXT CHECK (booster_policy IS NULL OR json_valid(booster_policy)),
    at_risk_reason      TEXT,
    version             BIGINT NOT NULL DEFAULT 1,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
    FOREIGN KEY (clinic_id, protocol_version_id) REFERENCES protocol_versions (clinic_id, id),
    CONSTRAINT courses_clinic_key UNIQUE (clinic_id, id)
);
CREATE INDEX courses_by_patient ON courses (clinic_id, patient_id, id);
CREATE INDEX courses_by_status ON courses (clinic_id, status, id);

CREATE TABLE booster_policy_changes (
    id               INTEGER PRIMARY KEY,
    clinic_id        BIGINT NOT NULL,
    course_id        BIGINT NOT NULL,
    key_id           BIGINT,
    role             TEXT NOT NULL,
    old_policy       TEXT CHECK (old_policy IS NULL OR json_valid(old_policy)),
    new_policy       TEXT NOT NULL CHECK (json_valid(new_policy)),
    reason           TEXT NOT NULL,
    floor_overridden BOOLEAN NOT NULL,
    changed_at       TIMESTAMP NOT NULL,
    FOREIGN KEY (clinic_id, course_id) REFERENCES courses (clinic_id, id)
);
CREATE INDEX booster_policy_changes_by_course ON booster_policy_changes (clinic_id, course_id, id);

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    clinic_id   BIGINT NOT NULL,
    course_id   BIGINT NOT NULL,
    patient_id  BIGINT NOT NULL,
    phase_index INTEGER NOT NULL CHECK (phase_index >= 0),
    sequence    INTEGER NOT NULL CHECK (sequence >= 0),
    chair_id    BIGINT NOT NULL,
    starts_at   TIMESTAMP NOT NULL CHECK (starts_at GLOB
        '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'),
    ends_at     TIMESTAMP NOT NULL CHECK (ends_at GLOB
        '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'),
    status      TEXT NOT NULL CHECK (status IN
        ('booked', 'checked_in', 'completed', 'not_dosed', 'cancelled', 'no_show', 'entered_in_error')),
    reason      TEXT,
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    FOREIGN KEY (clinic_id, course_id) REFERENCES courses (clinic_id, id),
    FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
    FOREIGN KEY (clinic_id, chair_id) REFERENCES chairs (clinic_id, id),
    CONSTRAINT sessions_clinic_key UNIQUE (clinic_id, id),
    CONSTRAINT sessions_interval_valid CHECK (
        starts_at < ends_at AND ends_at <= datetime(starts_at, '+12 hours'))
);
CREATE INDEX sessions_by_start ON sessions (clinic_id, starts_at);
CREATE INDEX sessions_by_course ON sessions (clinic_id, course_id, phase_index, sequence);
CREATE INDEX sessions_by_chair ON sessions (clinic_id, chair_id, starts_at);
CREATE INDEX sessions_by_patient ON sessions (clinic_id, patient_id, starts_at);

-- The overlap guards. A live session [s, e) clashes with a live session
-- [s2, e2) of the same chair (or patient) when s2 < e AND e2 > s. Sessions
-- last at most 12 hours, so only rows starting after s - 12h can clash: that
-- bound keeps the check on a short index range however long the history.
-- The messages are stable markers the store maps to typed conflicts; they
-- carry the PostgreSQL constraint names.
CREATE TRIGGER sessions_chair_no_overlap_insert BEFORE INSERT ON sessions
WHEN NEW.status IN ('booked', 'checked_in', 'completed', 'not_dosed')
BEGIN
    SELECT RAISE(ABORT, 'chairside_conflict:sessions_chair_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM sessions s
        WHERE s.clinic_id = NEW.clinic_id AND s.chair_id = NEW.chair_id
          AND s.starts_at > datetime(NEW.starts_at, '-12 hours')
          AND s.starts_at < NEW.ends_at AND s.ends_at > NEW.starts_at
          AND s.status IN ('booked', 'checked_in', 'completed', 'not_dosed'));
END;

CREATE TRIGGER sessions_chair_no_overlap_update
BEFORE UPDATE OF clinic_id, chair_id, starts_at, ends_at, status ON sessions
WHEN NEW.status IN ('booked', 'checked_in', 'completed', 'not_dosed')
BEGIN
    SELECT RAISE(ABORT, 'chairside_conflict:sessions_chair_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM sessions s
        WHERE s.clinic_id = NEW.clinic_id AND s.chair_id = NEW.chair_id
          AND s.id <> NEW.id
          AND s.starts_at > datetime(NEW.starts_at, '-12 hours')
          AND s.starts_at < NEW.ends_at AND s.ends_at > NEW.starts_at
          AND s.status IN ('booked', 'checked_in', 'completed', 'not_dosed'));
END;

CREATE TRIGGER sessions_patient_no_overlap_insert BEFORE INSERT ON sessions
WHEN NEW.status IN ('booked', 'checked_in', 'completed', 'not_dosed')
BEGIN
    SELECT RAISE(ABORT, 'chairside_conflict:sessions_patient_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM sessions s
        WHERE s.clinic_id = NEW.clinic_id AND s.patient_id = NEW.patient_id
          AND s.starts_at > datetime(NEW.starts_at, '-12 hours')
          AND s.starts_at < NEW.ends_at AND s.ends_at > NEW.starts_at
          AND s.status IN ('booked', 'checked_in', 'completed', 'not_dosed'));
END;

CREATE TRIGGER sessions_patient_no_overlap_update
BEFORE UPDATE OF clinic_id, patient_id, starts_at, ends_at, status ON sessions
WHEN NEW.status IN ('booked', 'checked_in', 'completed', 'not_dosed')
BEGIN
    SELECT RAISE(ABORT, 'chairside_conflict:sessions_patient_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM sessions s
        WHERE s.clinic_id = NEW.clinic_id AND s.patient_id = NEW.patient_id
          AND s.id <> NEW.id
          AND s.starts_at > datetime(NEW.starts_at, '-12 hours')
          AND s.starts_at < NEW.ends_at AND s.ends_at > NEW.starts_at
          AND s.status IN ('booked', 'checked_in', 'completed', 'not_dosed'));
END;

CREATE TABLE session_status_history (
    id          INTEGER PRIMARY KEY,
    clinic_id   BIGINT NOT NULL,
    session_id  BIGINT NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    reason      TEXT,
    key_id      BIGINT,
    role        TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    FOREIGN KEY (clinic_id, session_id) REFERENCES sessions (clinic_id, id)
);
CREATE INDEX session_status_history_by_session ON session_status_history (clinic_id, session_id, id);

CREATE TABLE symptom_measures (
    id          INTEGER PRIMARY KEY,
    clinic_id   BIGINT NOT NULL,
    patient_id  BIGINT NOT NULL,
    course_id   BIGINT,
    instrument  TEXT NOT NULL CHECK (instrument IN ('PHQ9', 'GAD7', 'MADRS', 'PCL5')),
    score       INTEGER NOT NULL,
    measured_at TIMESTAMP NOT NULL,
    key_id      BIGINT,
    role        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
    FOREIGN KEY (clinic_id, course_id) REFERENCES courses (clinic_id, id),
    CONSTRAINT symptom_measures_score_range CHECK (score >= 0 AND score <= CASE instrument
        WHEN 'PHQ9' THEN 27 WHEN 'GAD7' THEN 21 WHEN 'MADRS' THEN 60 ELSE 80 END)
);
CREATE INDEX symptom_measures_by_patient ON symptom_measures (clinic_id, patient_id, measured_at);

CREATE TABLE rems_monitoring_forms (
    id         INTEGER PRIMARY KEY,
    clinic_id  BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    due_on     DATE NOT NULL,
    filed_at   TIMESTAMP,
    version    BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    FOREIGN KEY (clinic_id, session_id) REFERENCES sessions (clinic_id, id),
    FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
    CONSTRAINT rems_monitoring_forms_session_unique UNIQUE (clinic_id, session_id)
);
CREATE INDEX rems_monitoring_forms_due ON rems_monitoring_forms (clinic_id, due_on) WHERE filed_at IS NULL;

CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY,
    clinic_id   BIGINT REFERENCES clinics (id),
    prefix      TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'clinician', 'front_desk', 'integration')),
    label       TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP,
    CONSTRAINT api_keys_prefix_unique UNIQUE (prefix),
    CONSTRAINT api_keys_scope CHECK (clinic_id IS NOT NULL OR role = 'admin')
);

-- AUTOINCREMENT: ids are never reused, so "everything after id N" stays true.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    clinic_id   BIGINT,
    key_id      BIGINT,
    role        TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   BIGINT,
    before      TEXT CHECK (before IS NULL OR json_valid(before)),
    after       TEXT CHECK (after IS NULL OR json_valid(after)),
    request_id  TEXT,
    at          TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_by_clinic ON audit_log (clinic_id, id);
CREATE INDEX audit_log_by_entity ON audit_log (clinic_id, entity_type, entity_id, id);

CREATE TABLE idempotency_keys (
    id                  INTEGER PRIMARY KEY,
    clinic_id           BIGINT NOT NULL,
    key_id              BIGINT NOT NULL,
    idempotency_key     TEXT NOT NULL,
    request_fingerprint TEXT NOT NULL,
    response_status     INTEGER NOT NULL,
    response_body       TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    CONSTRAINT idempotency_keys_unique UNIQUE (clinic_id, key_id, idempotency_key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    clinic_id    BIGINT NOT NULL,
    event_id     TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    aggregate_id BIGINT NOT NULL,
    payload      TEXT NOT NULL CHECK (json_valid(payload)),
    created_at   TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    CONSTRAINT outbox_event_unique UNIQUE (clinic_id, event_id)
);
CREATE INDEX outbox_by_clinic ON outbox (clinic_id, id);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'chairside_append_only:audit_log'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'chairside_append_only:audit_log'); END;
CREATE TRIGGER session_status_history_no_update BEFORE UPDATE ON session_status_history
BEGIN SELECT RAISE(ABORT, 'chairside_append_only:session_status_history'); END;
CREATE TRIGGER session_status_history_no_delete BEFORE DELETE ON session_status_history
BEGIN SELECT RAISE(ABORT, 'chairside_append_only:session_status_history'); END;
CREATE TRIGGER booster_policy_changes_no_update BEFORE UPDATE ON booster_policy_changes
BEGIN SELECT RAISE(ABORT, 'chairside_append_only:booster_policy_changes'); END;
CREATE TRIGGER booster_policy_changes_no_delete BEFORE DELETE ON booster_policy_changes
BEGIN SELECT RAISE(ABORT, 'chairside_append_only:booster_policy_changes'); END;
