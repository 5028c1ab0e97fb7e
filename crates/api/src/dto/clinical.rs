//! What clinicians do after the first booking: booster spacing, symptom
//! scores, suggestions, pausing and ending courses, at-risk decisions.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use chairside_engine::course::AtRiskChoice;
use chairside_engine::suggestion::{Direction, Instrument};
use chairside_engine::{BoosterPolicy, Role};

use super::common::in_calendar_opt;
use super::session::SessionView;

/// A new booster policy for a course.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"policy": {"interval_days": 28, "floor_days": 14, "ceiling_days": 42, "tolerance_days": 3}, "reason": "PHQ-9 in remission at the last two boosters"}))]
pub struct ChangeBoosterPolicy {
    /// The new policy.
    pub policy: BoosterPolicy,
    /// Why (kept in the history).
    #[schema(min_length = 1)]
    pub reason: String,
    /// Allow a floor below the protocol's (needs the reason to say why).
    #[serde(default)]
    pub override_floor: bool,
}

/// Step back to the previous (more frequent) interval when symptoms worsen.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "PHQ-9 rose from 6 to 14 since the last booster"}))]
pub struct StepBack {
    /// Why.
    #[schema(min_length = 1)]
    pub reason: String,
}

/// One change of a course's booster policy.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BoosterPolicyChangeView {
    /// Id.
    pub id: i64,
    /// The API key that changed it.
    pub key_id: Option<i64>,
    pub role: Role,
    /// Before.
    pub old_policy: Option<BoosterPolicy>,
    /// After.
    pub new_policy: BoosterPolicy,
    /// Why.
    pub reason: String,
    /// The protocol's floor was overridden.
    pub floor_overridden: bool,
    /// When.
    pub changed_at: DateTime<Utc>,
}

/// What a booster policy change did.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BoosterPolicyChanged {
    /// The policy now in force.
    pub policy: BoosterPolicy,
    /// Future boosters cancelled (they moved).
    pub cancelled: Vec<SessionView>,
    /// Boosters booked under the new policy.
    pub booked: Vec<SessionView>,
}

/// A new symptom score.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"instrument": "phq9", "score": 18, "measured_at": "2026-11-30T09:30:00-05:00"}))]
pub struct RecordMeasure {
    /// Which scale.
    pub instrument: Instrument,
    /// The score (checked against the scale's range).
    pub score: i32,
    /// When it was taken (default: now).
    #[serde(default, deserialize_with = "in_calendar_opt")]
    pub measured_at: Option<DateTime<FixedOffset>>,
}

/// A recorded score.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MeasureView {
    /// Id.
    pub id: i64,
    /// Scale.
    pub instrument: Instrument,
    pub score: i32,
    /// When taken.
    pub measured_at: DateTime<Utc>,
    /// Whether it is the course's baseline (the first before the first session).
    pub baseline: bool,
}

/// A booster spacing suggestion; nothing changes until a clinician applies it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SuggestionView {
    /// Which way to move the interval.
    pub direction: Direction,
    /// The rule that fired.
    pub rule: String,
    /// The scale used.
    pub instrument: Instrument,
    /// The interval now, days.
    pub current_interval_days: i32,
    pub suggested_interval_days: i32,
    pub baseline: Option<i32>,
    /// The scores considered, oldest first.
    pub recent: Vec<i32>,
    /// The numbers behind it.
    pub explanation: String,
}

/// A reason, required.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    /// Why.
    #[schema(min_length = 1)]
    pub reason: String,
}

/// Resume a paused course.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resume {
    /// Re-plan from this clinic-local date (default and earliest: tomorrow;
    /// an earlier date is refused).
    #[serde(default, deserialize_with = "in_calendar_opt")]
    pub from: Option<NaiveDate>,
    /// Why.
    #[schema(min_length = 1)]
    pub reason: String,
}

/// Decide an at-risk course.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideAtRisk {
    pub choice: AtRiskChoice,
    /// Why.
    #[schema(min_length = 1)]
    pub reason: String,
}
