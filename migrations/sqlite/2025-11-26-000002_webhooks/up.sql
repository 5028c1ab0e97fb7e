-- Durable webhook delivery and reminder bookkeeping, SQLite. Same tables,
-- columns and names as migrations/postgres; docs/storage.md ("Webhooks and
-- reminders") explains them. Instants are TEXT 'YYYY-MM-DD HH:MM:SS' (UTC);
-- the ones compared as text (due times, leases, reminder starts) are
-- checked to have exactly that shape.

CREATE TABLE webhook_subscriptions (
    id                    INTEGER PRIMARY KEY,
    clinic_id             BIGINT NOT NULL REFERENCES clinics (id),
    url                   TEXT NOT NULL
        CHECK (substr(url, 1, 7) = 'http://' OR substr(url, 1, 8) = 'https://'),
    event_types           TEXT NOT NULL
        CHECK (json_valid(event_types) AND json_type(event_types) = 'array'),
    secret                TEXT NOT NULL
        CHECK (substr(secret, 1, 6) = 'whsec_' AND length(secret) > 6),
    previous_secret       TEXT,
    previous_secret_until TIMESTAMP,
    include_patient_names BOOLEAN NOT NULL DEFAULT 0,
    enabled               BOOLEAN NOT NULL DEFAULT 1,
    disabled_reason       TEXT,
    version               BIGINT NOT NULL DEFAULT 1,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    CONSTRAINT webhook_subscriptions_clinic_key UNIQUE (clinic_id, id),
    CONSTRAINT webhook_subscriptions_previous_secret
        CHECK ((previous_secret IS NULL) = (previous_secret_until IS NULL))
);

-- AUTOINCREMENT: ids are never reused; per-course order and the delivery
-- log's cursor rely on it.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    clinic_id        BIGINT NOT NULL,
    subscription_id  BIGINT NOT NULL,
    outbox_id        BIGINT NOT NULL,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    aggregate_id     BIGINT NOT NULL,
    payload          TEXT NOT NULL CHECK (json_valid(payload)),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'abandoned')),
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  TIMESTAMP CHECK (next_attempt_at IS NULL OR next_attempt_at GLOB
        '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'),
    locked_until     TIMESTAMP CHECK (locked_until IS NULL OR locked_until GLOB
        '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'),
    last_status_code INTEGER,
    last_error       TEXT,
    replay_of        BIGINT,
    created_at       TIMESTAMP NOT NULL,
    FOREIGN KEY (clinic_id, subscription_id) REFERENCES webhook_subscriptions (clinic_id, id),
    FOREIGN KEY (clinic_id, replay_of) REFERENCES webhook_deliveries (clinic_id, id),
    CONSTRAINT webhook_deliveries_clinic_key UNIQUE (clinic_id, id),
    CONSTRAINT webhook_deliveries_next_attempt
        CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
);
CREATE UNIQUE INDEX webhook_deliveries_event_unique
    ON webhook_deliveries (clinic_id, subscription_id, event_id) WHERE replay_of IS NULL;
CREATE INDEX webhook_deliveries_due
    ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_pending_by_aggregate
    ON webhook_deliveries (clinic_id, subscription_id, aggregate_id, outbox_id, id)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_subscription
    ON webhook_deliveries (clinic_id, subscription_id, id);

CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    clinic_id    BIGINT NOT NULL,
    delivery_id  BIGINT NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    status_code  INTEGER CHECK (status_code IS NULL OR (status_code >= 100 AND status_code <= 599)),
    error        TEXT,
    duration_ms  BIGINT NOT NULL CHECK (duration_ms >= 0),
    FOREIGN KEY (clinic_id, delivery_id) REFERENCES webhook_deliveries (clinic_id, id)
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (clinic_id, delivery_id, id);

CREATE TRIGGER webhook_attempts_no_update BEFORE UPDATE ON webhook_attempts
BEGIN SELECT RAISE(ABORT, 'chairside_append_only:webhook_attempts'); END;
CREATE TRIGGER webhook_attempts_no_delete BEFORE DELETE ON webhook_attempts
BEGIN SELECT RAISE(ABORT, 'chairside_append_only:webhook_attempts'); END;

CREATE TABLE reminders_sent (
    id           INTEGER PRIMARY KEY,
    clinic_id    BIGINT NOT NULL,
    session_id   BIGINT NOT NULL,
    lead_minutes INTEGER NOT NULL CHECK (lead_minutes > 0),
    starts_at    TIMESTAMP NOT NULL CHECK (starts_at GLOB
        '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'),
    outcome      TEXT NOT NULL CHECK (outcome IN ('sent', 'skipped')),
    created_at   TIMESTAMP NOT NULL,
    FOREIGN KEY (clinic_id, session_id) REFERENCES sessions (clinic_id, id),
    CONSTRAINT reminders_sent_unique UNIQUE (clinic_id, session_id, lead_minutes, starts_at)
);

CREATE INDEX outbox_unpublished_by_aggregate
    ON outbox (clinic_id, aggregate_id, id) WHERE published_at IS NULL;
