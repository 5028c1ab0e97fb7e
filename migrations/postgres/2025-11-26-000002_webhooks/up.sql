-- Durable webhook delivery and reminder bookkeeping, PostgreSQL.
--
-- Same conventions as the initial schema: clinic_id on every table and in
-- every key, instants as `timestamp` holding UTC (whole seconds), JSON as
-- text checked to parse. docs/storage.md ("Webhooks and reminders")
-- explains how the worker uses these tables.

-- An integration's endpoint. `secret` is the current Standard Webhooks
-- signing secret (`whsec_` + base64): the worker must read it to sign, so
-- it is stored as given, not hashed. After a rotation the old secret keeps
-- signing (a second signature) until previous_secret_until.
CREATE TABLE webhook_subscriptions (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id             BIGINT NOT NULL REFERENCES clinics (id),
    url                   TEXT NOT NULL
        CHECK (substr(url, 1, 7) = 'http://' OR substr(url, 1, 8) = 'https://'),
    event_types           TEXT NOT NULL CHECK (jsonb_typeof(event_types::jsonb) = 'array'),
    secret                TEXT NOT NULL
        CHECK (substr(secret, 1, 6) = 'whsec_' AND length(secret) > 6),
    previous_secret       TEXT,
    previous_secret_until TIMESTAMP,
    include_patient_names BOOLEAN NOT NULL DEFAULT FALSE,
    enabled               BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason       TEXT,
    version               BIGINT NOT NULL DEFAULT 1,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT webhook_subscriptions_previous_secret
        CHECK ((previous_secret IS NULL) = (previous_secret_until IS NULL))
);

-- One event for one subscription. event_id is the outbox event's id (the
-- `webhook-id` header, the same on every retry); payload is the whole body
-- to send. A replay is a new row with replay_of set, so the unique key
-- covers originals only: fan-out can never create a second original.
-- next_attempt_at is set exactly while the delivery is pending. The time
-- it was delivered is its last attempt's attempted_at (a delivered_at
-- column would take the table past diesel's default 16-column bound).
CREATE TABLE webhook_deliveries (
    id               BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id        BIGINT NOT NULL,
    subscription_id  BIGINT NOT NULL,
    outbox_id        BIGINT NOT NULL,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    aggregate_id     BIGINT NOT NULL,
    payload          TEXT NOT NULL CHECK ((payload::jsonb) IS NOT NULL),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'abandoned')),
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  TIMESTAMP,
    locked_until     TIMESTAMP,
    last_status_code INTEGER,
    last_error       TEXT,
    replay_of        BIGINT,
    created_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, id),
    FOREIGN KEY (clinic_id, subscription_id) REFERENCES webhook_subscriptions (clinic_id, id),
    FOREIGN KEY (clinic_id, replay_of) REFERENCES webhook_deliveries (clinic_id, id),
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

-- Append-only log of every HTTP attempt (see the triggers below).
CREATE TABLE webhook_attempts (
    id           BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id    BIGINT NOT NULL,
    delivery_id  BIGINT NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    status_code  INTEGER CHECK (status_code IS NULL OR (status_code >= 100 AND status_code <= 599)),
    error        TEXT,
    duration_ms  BIGINT NOT NULL CHECK (duration_ms >= 0),
    PRIMARY KEY (clinic_id, id),
    FOREIGN KEY (clinic_id, delivery_id) REFERENCES webhook_deliveries (clinic_id, id)
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (clinic_id, delivery_id, id);

CREATE TRIGGER webhook_attempts_append_only BEFORE UPDATE OR DELETE ON webhook_attempts
    FOR EACH ROW EXECUTE FUNCTION chairside_append_only();
CREATE TRIGGER webhook_attempts_no_truncate BEFORE TRUNCATE ON webhook_attempts
    FOR EACH STATEMENT EXECUTE FUNCTION chairside_append_only();

-- One row per reminder the worker handled: the unique key makes "send the
-- 24 h reminder of this session" happen once. starts_at is the session
-- start the reminder was for, so a rescheduled session gets new reminders.
CREATE TABLE reminders_sent (
    id           BIGINT GENERATED ALWAYS AS IDENTITY,
    clinic_id    BIGINT NOT NULL,
    session_id   BIGINT NOT NULL,
    lead_minutes INTEGER NOT NULL CHECK (lead_minutes > 0),
    starts_at    TIMESTAMP NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('sent', 'skipped')),
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (clinic_id, id),
    FOREIGN KEY (clinic_id, session_id) REFERENCES sessions (clinic_id, id),
    CONSTRAINT reminders_sent_unique UNIQUE (clinic_id, session_id, lead_minutes, starts_at)
);

-- Delivery order per course: a delivery waits while an older event of its
-- course is still unpublished (being fanned out by another replica).
CREATE INDEX outbox_unpublished_by_aggregate
    ON outbox (clinic_id, aggregate_id, id) WHERE published_at IS NULL;
