//! A protocol's phases: a series under spacing rules, or open-ended
//! boosters at a clinician's interval; and how a phase is written on the
//! wire (its kind is a tag beside its name).

use serde::{Deserialize, Serialize};

use crate::error::EngineError;

/// A fixed number of sessions with spacing rules (an induction series).
/// "Days between" two sessions is the difference of their local dates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesRules {
    /// How many sessions the series holds.
    pub sessions: i32,
    /// Fewest days between consecutive sessions (2 = no back-to-back days).
    pub min_days_between: i32,
    /// Most days between consecutive sessions.
    pub max_days_between: i32,
    /// Most days from the first session to the last.
    pub max_span_days: i32,
    /// At most this many sessions in each 7-day window counted from Day 1 of
    /// the phase (phase weeks, not calendar weeks).
    #[serde(default)]
    pub max_per_week: Option<i32>,
}

/// The spacing of maintenance boosters. The protocol holds the default; each
/// course holds its own, which a clinician adjusts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"interval_days": 21, "floor_days": 14, "ceiling_days": 42, "tolerance_days": 3})))]
pub struct BoosterPolicy {
    /// Target days from one session to the next booster.
    pub interval_days: i32,
    /// Never sooner than this many days after the previous session.
    pub floor_days: i32,
    /// Never later than this many days after the previous session.
    pub ceiling_days: i32,
    /// How many days a booster may move from its target to find a chair.
    pub tolerance_days: i32,
}

/// The longest spacing the engine plans: a year. Longer is not a protocol,
/// and bounding it keeps every search bounded.
pub const MAX_DAYS: i32 = 366;

impl BoosterPolicy {
    /// Checks the policy's own consistency.
    pub fn validate(&self, field: &str) -> Result<(), EngineError> {
        if self.ceiling_days > MAX_DAYS {
            return Err(EngineError::invalid(
                format!("{field}.ceiling_days"),
                format!("{} is more than {MAX_DAYS} days", self.ceiling_days),
            ));
        }
        if self.floor_days < 1 {
            return Err(EngineError::invalid(
                format!("{field}.floor_days"),
                "a booster cannot be on the same day as the previous session",
            ));
        }
        if self.ceiling_days < self.floor_days {
            return Err(EngineError::invalid(
                format!("{field}.ceiling_days"),
                format!(
                    "ceiling {} is below the floor {}",
                    self.ceiling_days, self.floor_days
                ),
            ));
        }
        if !(self.floor_days..=self.ceiling_days).contains(&self.interval_days) {
            return Err(EngineError::invalid(
                format!("{field}.interval_days"),
                format!(
                    "interval {} is outside floor..ceiling ({}..={})",
                    self.interval_days, self.floor_days, self.ceiling_days
                ),
            ));
        }
        if !(0..=30).contains(&self.tolerance_days) {
            return Err(EngineError::invalid(
                format!("{field}.tolerance_days"),
                format!("{} is outside 0..=30", self.tolerance_days),
            ));
        }
        Ok(())
    }
}

/// Open-ended maintenance sessions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoosterRules {
    /// The policy a new course starts with.
    pub default_policy: BoosterPolicy,
    /// The intervals a clinician steps between when lengthening or shortening
    /// (e.g. esketamine: weekly ↔ every two weeks), shortest first.
    pub interval_steps_days: Vec<i32>,
}

/// What a phase is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PhaseKind {
    /// A fixed number of sessions.
    Series(SeriesRules),
    /// Open-ended boosters.
    Boosters(BoosterRules),
}

/// One phase of a protocol. On the wire its name and rules sit side by
/// side: `{"kind": "series", "name": "Induction", "sessions": 6, …}`; an
/// unknown field is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "PhaseOnTheWire")]
pub struct Phase {
    /// The clinic's name for it ("Induction", "Weeks 5–8").
    pub name: String,
    /// Its rules.
    #[serde(flatten)]
    pub kind: PhaseKind,
}

/// A phase as a body gives it: `#[serde(flatten)]` cannot refuse unknown
/// fields, so a phase is read through this strict shape — which is also how
/// the OpenAPI document describes a phase.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
enum PhaseOnTheWire {
    /// A fixed number of sessions under spacing rules.
    Series {
        /// The clinic's name for it ("Induction").
        name: String,
        /// How many sessions the series holds.
        sessions: i32,
        /// Fewest days between consecutive sessions (2 = no back-to-back days).
        min_days_between: i32,
        /// Most days between consecutive sessions.
        max_days_between: i32,
        /// Most days from the first session to the last.
        max_span_days: i32,
        /// At most this many sessions in each 7-day window counted from Day
        /// 1 of the phase.
        #[serde(default)]
        max_per_week: Option<i32>,
    },
    /// Open-ended maintenance boosters.
    Boosters {
        /// The clinic's name for it ("Maintenance").
        name: String,
        /// The policy a new course starts with.
        default_policy: BoosterPolicy,
        /// The intervals a clinician steps between, shortest first.
        interval_steps_days: Vec<i32>,
    },
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Phase {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <PhaseOnTheWire as utoipa::PartialSchema>::schema()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Phase {
    fn name() -> std::borrow::Cow<'static, str> {
        "Phase".into()
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <PhaseOnTheWire as utoipa::ToSchema>::schemas(schemas);
    }
}

impl From<PhaseOnTheWire> for Phase {
    fn from(wire: PhaseOnTheWire) -> Self {
        match wire {
            PhaseOnTheWire::Series {
                name,
                sessions,
                min_days_between,
                max_days_between,
                max_span_days,
                max_per_week,
            } => Phase {
                name,
                kind: PhaseKind::Series(SeriesRules {
                    sessions,
                    min_days_between,
                    max_days_between,
                    max_span_days,
                    max_per_week,
                }),
            },
            PhaseOnTheWire::Boosters {
                name,
                default_policy,
                interval_steps_days,
            } => Phase {
                name,
                kind: PhaseKind::Boosters(BoosterRules {
                    default_policy,
                    interval_steps_days,
                }),
            },
        }
    }
}
