-- Chairside schema, PostgreSQL.
--
-- Conventions (docs/storage.md explains each):
-- * Every table carries clinic_id and every primary key, unique and exclusion
--   constraint includes it, so the schema can be distributed by clinic (Citus).
--   api_keys is the one global table (admin keys span clinics): a reference
--   table in a distributed setup.
-- * Instants are `timestamp` (without time zone) holding UTC, whole seconds.
--   The store writes UTC only; `timestamptz` is not used because diesel's
--   MultiConnection shares one SQL type (Timestamp) between both backends.
-- * JSON-shaped domain data is `text` checked to parse as JSON.
-- * Mutable rows carry `version` for optimistic concurrency.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE clinics (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL,
    time_zone     TEXT NOT NULL,
    opening_hours TEXT NOT NULL CHECK ((opening_hours::jsonb) IS NOT NULL),
    settings      TEXT NOT NULL CHECK ((settings::jsonb) IS NOT NULL),
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE chairs (
    id         BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id  BIGINT NOT NULL REFERENCES clinics (id),
    label      TEXT NOT NULL,
    modalities TEXT NOT NULL CHECK ((modalities::jsonb) IS NOT NULL),
    position   INTEGER NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    version    BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT chairs_label_unique UNIQUE (clinic_id, label)
);
CREATE INDEX chairs_order ON chairs (clinic_id, position, id);

-- A closure is either whole local days (first_day..=last_day) or a local
-- wall-clock range [local_start, local_end), in the clinic's zone; chair_id
-- NULL closes the whole clinic.
CREATE TABLE closures (
    id          BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id   BIGINT NOT NULL REFERENCES clinics (id),
    chair_id    BIGINT,
    first_day   DATE,
    last_day    DATE,
    local_start TIMESTAMP,
    local_end   TIMESTAMP,
    reason      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, id),
    FOREIGN KEY (clinic_id, chair_id) REFERENCES chairs (clinic_id, id),
    CONSTRAINT closures_one_span CHECK (
        (first_day IS NOT NULL AND last_day IS NOT NULL AND first_day <= last_day
            AND local_start IS NULL AND local_end IS NULL)
        OR (local_start IS NOT NULL AND local_end IS NOT NULL AND local_start < local_end
            AND first_day IS NULL AND last_day IS NULL))
);
CREATE INDEX closures_by_clinic ON closures (clinic_id, first_day, local_start);

CREATE TABLE protocols (
    id              BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id       BIGINT NOT NULL REFERENCES clinics (id),
    code            TEXT NOT NULL,
    name            TEXT NOT NULL,
    latest_revision INTEGER NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT protocols_code_unique UNIQUE (clinic_id, code)
);

-- Immutable: a course points at the exact revision it started with.
CREATE TABLE protocol_versions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id   BIGINT NOT NULL,
    protocol_id BIGINT NOT NULL,
    revision    INTEGER NOT NULL CHECK (revision >= 1),
    definition  TEXT NOT NULL CHECK ((definition::jsonb) IS NOT NULL),
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, id),
    FOREIGN KEY (clinic_id, protocol_id) REFERENCES protocols (clinic_id, id),
    CONSTRAINT protocol_versions_revision_unique UNIQUE (clinic_id, protocol_id, revision)
);

CREATE TABLE patients (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id           BIGINT NOT NULL REFERENCES clinics (id),
    external_ref        TEXT NOT NULL,
    display_name        TEXT NOT NULL,
    preferences         TEXT NOT NULL CHECK ((preferences::jsonb) IS NOT NULL),
    intake_assessed_on  DATE,
    consent_on_file     BOOLEAN NOT NULL DEFAULT FALSE,
    rems_enrolled_on    DATE,
    escort_confirmed    BOOLEAN NOT NULL DEFAULT FALSE,
    calendar_token_hash TEXT,
    version             BIGINT NOT NULL DEFAULT 1,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT patients_external_ref_unique UNIQUE (clinic_id, external_ref),
    CONSTRAINT patients_calendar_token_unique UNIQUE (clinic_id, calendar_token_hash)
);

CREATE TABLE courses (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id           BIGINT NOT NULL,
    patient_id          BIGINT NOT NULL,
    protocol_version_id BIGINT NOT NULL,
    status              TEXT NOT NULL
        CHECK (status IN ('active', 'paused', 'completed', 'ceased')),
    current_phase       INTEGER NOT NULL DEFAULT 0 CHECK (current_phase >= 0),
    booster_policy      TEXT CHECK (booster_policy IS NULL OR (booster_policy::jsonb) IS NOT NULL),
    at_risk_reason      TEXT,
    version             BIGINT NOT NULL DEFAULT 1,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, id),
    FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
    FOREIGN KEY (clinic_id, protocol_version_id) REFERENCES protocol_versions (clinic_id, id)
);
CREATE INDEX courses_by_patient ON courses (clinic_id, patient_id, id);
CREATE INDEX courses_by_status ON courses (clinic_id, status, id);

CREATE TABLE booster_policy_changes (
    id               BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id        BIGINT NOT NULL,
    course_id        BIGINT NOT NULL,
    key_id           BIGINT,
    role             TEXT NOT NULL,
    old_policy       TEXT CHECK (old_policy IS NULL OR (old_policy::jsonb) IS NOT NULL),
    new_policy       TEXT NOT NULL CHECK ((new_policy::jsonb) IS NOT NULL),
    reason           TEXT NOT NULL,
    floor_overridden BOOLEAN NOT NULL,
    changed_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, id),
    FOREIGN KEY (clinic_id, course_id) REFERENCES courses (clinic_id, id)
);
CREATE INDEX booster_policy_changes_by_course ON booster_policy_changes (clinic_id, course_id, id);

-- ends_at is the end of the chair interval (pre-dose check to end of
-- monitoring). Live statuses hold the chair and the patient; cancelled,
-- no_show and entered_in_error free both. A session lasts at most 12 hours,
-- which bounds the look-back of range queries on starts_at.
CREATE TABLE sessions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id   BIGINT NOT NULL,
    course_id   BIGINT NOT NULL,
    patient_id  BIGINT NOT NULL,
    phase_index INTEGER NOT NULL CHECK (phase_index >= 0),
    sequence    INTEGER NOT NULL CHECK (sequence >= 0),
    chair_id    BIGINT NOT NULL,
    starts_at   TIMESTAMP NOT NULL,
    ends_at     TIMESTAMP NOT NULL,
    status      TEXT NOT NULL CHECK (status IN
        ('booked', 'checked_in', 'completed', 'not_dosed', 'cancelled', 'no_show', 'entered_in_error')),
    reason      TEXT,
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, id),
    FOREIGN KEY (clinic_id, course_id) REFERENCES courses (clinic_id, id),
    FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
    FOREIGN KEY (clinic_id, chair_id) REFERENCES chairs (clinic_id, id),
    CONSTRAINT sessions_interval_valid CHECK (
        starts_at < ends_at AND ends_at <= starts_at + INTERVAL '12 hours'),
    CONSTRAINT sessions_chair_no_overlap EXCLUDE USING gist (
        clinic_id WITH =, chair_id WITH =, tsrange(starts_at, ends_at, '[)') WITH &&)
        WHERE (status IN ('booked', 'checked_in', 'completed', 'not_dosed')),
    CONSTRAINT sessions_patient_no_overlap EXCLUDE USING gist (
        clinic_id WITH =, patient_id WITH =, tsrange(starts_at, ends_at, '[)') WITH &&)
        WHERE (status IN ('booked', 'checked_in', 'completed', 'not_dosed'))
);
CREATE INDEX sessions_by_start ON sessions (clinic_id, starts_at);
CREATE INDEX sessions_by_course ON sessions (clinic_id, course_id, phase_index, sequence);
CREATE INDEX sessions_by_patient ON sessions (clinic_id, patient_id, starts_at);

CREATE TABLE session_status_history (
    id          BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id   BIGINT NOT NULL,
    session_id  BIGINT NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    reason      TEXT,
    key_id      BIGINT,
    role        TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, id),
    FOREIGN KEY (clinic_id, session_id) REFERENCES sessions (clinic_id, id)
);
CREATE INDEX session_status_history_by_session ON session_status_history (clinic_id, session_id, id);

CREATE TABLE symptom_measures (
    id          BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id   BIGINT NOT NULL,
    patient_id  BIGINT NOT NULL,
    course_id   BIGINT,
    instrument  TEXT NOT NULL CHECK (instrument IN ('PHQ9', 'GAD7', 'MADRS', 'PCL5')),
    score       INTEGER NOT NULL,
    measured_at TIMESTAMP NOT NULL,
    key_id      BIGINT,
    role        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, id),
    FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
    FOREIGN KEY (clinic_id, course_id) REFERENCES courses (clinic_id, id),
    CONSTRAINT symptom_measures_score_range CHECK (score >= 0 AND score <= CASE instrument
        WHEN 'PHQ9' THEN 27 WHEN 'GAD7' THEN 21 WHEN 'MADRS' THEN 60 ELSE 80 END)
);
CREATE INDEX symptom_measures_by_patient ON symptom_measures (clinic_id, patient_id, measured_at);

CREATE TABLE rems_monitoring_forms (
    id         BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id  BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    due_on     DATE NOT NULL,
    filed_at   TIMESTAMP,
    version    BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, id),
    FOREIGN KEY (clinic_id, session_id) REFERENCES sessions (clinic_id, id),
    FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
    CONSTRAINT rems_monitoring_forms_session_unique UNIQUE (clinic_id, session_id)
);
CREATE INDEX rems_monitoring_forms_due ON rems_monitoring_forms (clinic_id, due_on) WHERE filed_at IS NULL;

-- Global: clinic_id NULL is an admin key valid for every clinic. Only the
-- SHA-256 of the secret is kept; `prefix` finds the row.
CREATE TABLE api_keys (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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

-- Append-only (see the triggers below). clinic_id NULL: a global action.
CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id   BIGINT,
    key_id      BIGINT,
    role        TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   BIGINT,
    before      TEXT CHECK (before IS NULL OR (before::jsonb) IS NOT NULL),
    after       TEXT CHECK (after IS NULL OR (after::jsonb) IS NOT NULL),
    request_id  TEXT,
    at          TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_by_clinic ON audit_log (clinic_id, id);
CREATE INDEX audit_log_by_entity ON audit_log (clinic_id, entity_type, entity_id, id);

-- clinic_id 0: a request not scoped to a clinic (e.g. creating a clinic).
CREATE TABLE idempotency_keys (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id           BIGINT NOT NULL,
    key_id              BIGINT NOT NULL,
    idempotency_key     TEXT NOT NULL,
    request_fingerprint TEXT NOT NULL,
    response_status     INTEGER NOT NULL,
    response_body       TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT idempotency_keys_unique UNIQUE (clinic_id, key_id, idempotency_key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

-- Transactional outbox: written in the same transaction as the change.
CREATE TABLE outbox (
    id           BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id    BIGINT NOT NULL,
    event_id     TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    aggregate_id BIGINT NOT NULL,
    payload      TEXT NOT NULL CHECK ((payload::jsonb) IS NOT NULL),
    created_at   TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT outbox_event_unique UNIQUE (clinic_id, event_id)
);
CREATE INDEX outbox_by_id ON outbox (id);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- History the database keeps whatever the application does.
CREATE FUNCTION chairside_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'chairside_append_only:%', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION chairside_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_append_only();
CREATE TRIGGER session_status_history_append_only BEFORE UPDATE OR DELETE ON session_status_history
    FOR EACH ROW EXECUTE FUNCTION chairside_append_only();
CREATE TRIGGER booster_policy_changes_append_only BEFORE UPDATE OR DELETE ON booster_policy_changes
    FOR EACH ROW EXECUTE FUNCTION chairside_append_only();
