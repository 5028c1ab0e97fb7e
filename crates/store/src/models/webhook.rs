use chrono::{DateTime, Utc};
use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::sql_types::Text;
use diesel::{Queryable, Selectable};
use serde_json::Value;

use crate::backend::MultiBackend;
use crate::columns::{text_enum, DbInstant, DbJson, DbOptInstant};
use crate::schema::{reminders_sent, webhook_attempts, webhook_deliveries, webhook_subscriptions};

/// The event type that matches every event in a subscription's list.
pub const ALL_EVENTS: &str = "*";

/// An integration's webhook endpoint, in one clinic.
///
/// `secret` and `previous_secret` are the signing secrets in clear (the
/// worker signs with them); they are never serialised and `Debug` redacts
/// them, so logging or returning the record does not leak them.
#[derive(Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = webhook_subscriptions)]
pub struct WebhookSubscription {
    /// Id.
    pub id: i64,
    pub clinic_id: i64,
    /// Where events are POSTed.
    pub url: String,
    /// The event types wanted; `["*"]` (any list holding `*`) means all.
    #[diesel(deserialize_as = DbStringList)]
    pub event_types: Vec<String>,
    /// The current signing secret, `whsec_` + base64.
    #[serde(skip_serializing)]
    pub secret: String,
    /// The secret before the last rotation, still signing until
    /// `previous_secret_until`.
    #[serde(skip_serializing)]
    pub previous_secret: Option<String>,
    /// End of the rotation grace period.
    #[diesel(deserialize_as = DbOptInstant)]
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// Whether payloads may carry patient names (off unless the clinic
    /// enables it for this subscription).
    pub include_patient_names: bool,
    /// Disabled endpoints get no new deliveries and their pending ones wait.
    pub enabled: bool,
    /// Why it was disabled (e.g. `410 Gone`, retries exhausted).
    pub disabled_reason: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When created.
    #[diesel(deserialize_as = DbInstant)]
    pub created_at: DateTime<Utc>,
    /// When last changed.
    #[diesel(deserialize_as = DbInstant)]
    pub updated_at: DateTime<Utc>,
}

impl WebhookSubscription {
    /// Whether this subscription wants events of `event_type`.
    pub fn wants(&self, event_type: &str) -> bool {
        self.event_types
            .iter()
            .any(|t| t == event_type || t == ALL_EVENTS)
    }

    /// The secrets to sign with at `now`: the current one, then the
    /// previous one while its grace period lasts (the receiver accepts
    /// either signature).
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_secret_until) {
            if now < until {
                secrets.push(previous.as_str());
            }
        }
        secrets
    }
}

impl std::fmt::Debug for WebhookSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSubscription")
            .field("id", &self.id)
            .field("clinic_id", &self.clinic_id)
            .field("url", &self.url)
            .field("event_types", &self.event_types)
            .field("secret", &"<redacted>")
            .field(
                "previous_secret",
                &self.previous_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("previous_secret_until", &self.previous_secret_until)
            .field("include_patient_names", &self.include_patient_names)
            .field("enabled", &self.enabled)
            .field("disabled_reason", &self.disabled_reason)
            .field("version", &self.version)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// A new subscription (enabled).
#[derive(Clone, PartialEq)]
pub struct NewWebhookSubscription {
    /// Where to POST (`http://` or `https://`).
    pub url: String,
    /// Event types wanted, or `["*"]`.
    pub event_types: Vec<String>,
    /// The signing secret the api generated, `whsec_` + base64.
    pub secret: String,
    /// Whether payloads may carry patient names.
    pub include_patient_names: bool,
}

impl std::fmt::Debug for NewWebhookSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewWebhookSubscription")
            .field("url", &self.url)
            .field("event_types", &self.event_types)
            .field("secret", &"<redacted>")
            .field("include_patient_names", &self.include_patient_names)
            .finish()
    }
}

text_enum! {
    /// Where a delivery stands.
    pub enum DeliveryStatus {
        /// Waiting for its next attempt (or in flight, under a lease).
        Pending => "pending",
        /// A 2xx was received.
        Delivered => "delivered",
        /// Given up (retries exhausted, 410, endpoint disabled).
        Abandoned => "abandoned",
    }
}

/// One event to send to one subscription, retried until delivered or
/// abandoned.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    /// Id.
    pub id: i64,
    pub clinic_id: i64,
    pub subscription_id: i64,
    /// The outbox row it came from.
    pub outbox_id: i64,
    /// The outbox event id: the `webhook-id` header, the same on every
    /// retry and replay.
    pub event_id: String,
    /// e.g. `session.cancelled`.
    pub event_type: String,
    /// The course: deliveries of one course go out in order.
    pub aggregate_id: i64,
    /// The whole body to send (`{type, timestamp, data}`).
    #[diesel(deserialize_as = DbJson)]
    pub payload: Value,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// When it may next be tried; `None` once delivered or abandoned.
    #[diesel(deserialize_as = DbOptInstant)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// A worker's lease: nobody else claims it before this instant.
    #[diesel(deserialize_as = DbOptInstant)]
    pub locked_until: Option<DateTime<Utc>>,
    /// HTTP status of the last attempt, if one was received.
    pub last_status_code: Option<i32>,
    /// Error of the last attempt (timeout, connection refused, non-2xx…).
    pub last_error: Option<String>,
    /// The delivery this one replays; `None` for an original.
    pub replay_of: Option<i64>,
    /// When created. (When it was delivered is the `attempted_at` of its
    /// last [`Attempt`].)
    #[diesel(deserialize_as = DbInstant)]
    pub created_at: DateTime<Utc>,
}

/// One HTTP attempt of a delivery, kept forever (append-only).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = webhook_attempts)]
pub struct Attempt {
    /// Id.
    pub id: i64,
    pub clinic_id: i64,
    pub delivery_id: i64,
    /// When recorded (the end of the attempt).
    #[diesel(deserialize_as = DbInstant)]
    pub attempted_at: DateTime<Utc>,
    /// The response's status, if a response came.
    pub status_code: Option<i32>,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// How long the request took.
    pub duration_ms: i64,
}

/// What one attempt produced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttemptOutcome {
    /// The response's status, if a response came.
    pub status_code: Option<i32>,
    /// What went wrong (timeout, refused, non-2xx body…), if anything.
    pub error: Option<String>,
    /// How long the request took.
    pub duration_ms: i64,
}

/// What happens to a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// A 2xx came back: done.
    Delivered,
    /// Try again at this instant (backoff with jitter, or `Retry-After`).
    RetryAt(DateTime<Utc>),
    /// Give up (410, last retry spent).
    Abandoned,
}

text_enum! {
    /// What the reminder worker did about one reminder.
    pub enum ReminderOutcome {
        /// A `reminder.due` event was written.
        Sent => "sent",
        /// Deliberately not sent (session started, cancelled, lead passed).
        Skipped => "skipped",
    }
}

/// A reminder handled once for one session start and lead time.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = reminders_sent)]
pub struct ReminderSent {
    /// Id.
    pub id: i64,
    pub clinic_id: i64,
    pub session_id: i64,
    /// How long before the start it was due.
    pub lead_minutes: i32,
    /// The session start it was for, UTC.
    #[diesel(deserialize_as = DbInstant)]
    pub starts_at: DateTime<Utc>,
    /// Sent or skipped.
    pub outcome: ReminderOutcome,
    /// When recorded.
    #[diesel(deserialize_as = DbInstant)]
    pub created_at: DateTime<Utc>,
}

/// Reads a `Text` column holding a JSON array of strings.
#[derive(Debug, FromSqlRow)]
pub struct DbStringList(Vec<String>);

impl FromSql<Text, MultiBackend> for DbStringList {
    fn from_sql(
        bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> diesel::deserialize::Result<Self> {
        let text = <String as FromSql<Text, MultiBackend>>::from_sql(bytes)?;
        Ok(DbStringList(serde_json::from_str(&text)?))
    }
}

impl From<DbStringList> for Vec<String> {
    fn from(v: DbStringList) -> Self {
        v.0
    }
}
