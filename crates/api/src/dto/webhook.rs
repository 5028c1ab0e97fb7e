//! Webhook subscriptions and their delivery log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The event types Chairside emits besides a course's own
/// ([`chairside_engine::course::CourseEvent::TYPES`]).
pub const OTHER_EVENT_TYPES: [&str; 16] = [
    "session.late",
    "session.overrun",
    "session.time_held",
    "session.hold_released",
    "slot.offered",
    "slot.offer_accepted",
    "slot.offer_declined",
    "slot.offer_expired",
    "staff.added",
    "staff.changed",
    "reminder.due",
    "measure.recorded",
    "rems_form.completed",
    "rems_form.submitted",
    "rems_form.due_soon",
    "rems_form.overdue",
];

/// Whether Chairside emits events of this type.
pub fn is_event_type(name: &str) -> bool {
    chairside_engine::course::CourseEvent::TYPES.contains(&name)
        || OTHER_EVENT_TYPES.contains(&name)
}

/// A new subscription.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://reminders.example.com/hooks/chairside", "event_types": ["session.booked", "session.rescheduled", "session.cancelled", "reminder.due"]}))]
pub struct CreateSubscription {
    /// Where events are POSTed (http or https).
    #[schema(max_length = 2000, pattern = r"^https?://\S*$")]
    pub url: String,
    /// The event types wanted; `["*"]` for all.
    #[schema(min_items = 1)]
    pub event_types: Vec<String>,
    /// Include the patient's display name in payloads (off by default: schedules are health information).
    #[serde(default)]
    pub include_patient_names: bool,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SubscriptionView {
    /// Id.
    pub id: i64,
    /// Target URL.
    pub url: String,
    pub event_types: Vec<String>,
    /// Whether names are included.
    pub include_patient_names: bool,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why it was disabled (410 Gone, retries exhausted, by hand).
    pub disabled_reason: Option<String>,
    /// Until when the previous secret also signs, after a rotation.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// When created.
    pub created_at: DateTime<Utc>,
}

/// A subscription with its signing secret, shown once (at creation and rotation).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SubscriptionWithSecret {
    #[serde(flatten)]
    pub subscription: SubscriptionView,
    /// The Standard Webhooks signing secret (`whsec_…`); keep it, it is not shown again.
    pub secret: String,
}

/// Rotate the signing secret.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSecret {
    /// Hours the old secret keeps signing alongside the new one (default 24, at most 168).
    #[serde(default)]
    pub grace_hours: Option<u32>,
}

/// Enable or disable.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetEnabled {
    /// On or off.
    pub enabled: bool,
    /// Why (when disabling).
    #[serde(default)]
    pub reason: Option<String>,
}

/// One attempt to deliver.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// When.
    pub attempted_at: DateTime<Utc>,
    /// The response status, if any response came.
    pub status_code: Option<i32>,
    /// What went wrong.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
}

/// One event on its way to one subscription.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Id.
    pub id: i64,
    /// The `webhook-id` (the same across retries and replays).
    pub event_id: String,
    pub event_type: String,
    /// `pending`, `delivered` or `abandoned`.
    pub status: String,
    /// Attempts so far.
    pub attempts: i32,
    /// When the next attempt is due.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The last response status.
    pub last_status_code: Option<i32>,
    /// Every attempt, oldest first.
    pub attempt_log: Vec<AttemptView>,
}
