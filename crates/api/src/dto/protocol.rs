//! Protocols: phases, chair time and day-of instructions.

use chairside_engine as engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::common::Modality;

/// How long a session holds its chair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChairTime {
    /// Vitals / blood-pressure check before dosing, minutes.
    #[schema(example = 10)]
    pub pre_dose_check_minutes: i32,
    /// Infusion or dosing, minutes.
    #[schema(example = 40)]
    pub treatment_minutes: i32,
    /// Monitored recovery, minutes.
    #[schema(example = 40)]
    pub monitoring_minutes: i32,
}

/// A clinician's booster spacing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BoosterPolicy {
    /// Target days from one session to the next booster.
    #[schema(example = 21)]
    pub interval_days: i32,
    /// Never sooner than this many days.
    #[schema(example = 14)]
    pub floor_days: i32,
    /// Never later than this many days.
    #[schema(example = 42)]
    pub ceiling_days: i32,
    /// How far a booster may move from its target to find a chair.
    #[schema(example = 3)]
    pub tolerance_days: i32,
}

/// One phase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Phase {
    /// A fixed number of sessions under spacing rules.
    Series {
        /// Name ("Induction").
        name: String,
        /// Number of sessions.
        sessions: i32,
        /// Fewest days between consecutive sessions.
        min_days_between: i32,
        /// Most days between consecutive sessions.
        max_days_between: i32,
        /// Most days from first to last.
        max_span_days: i32,
        /// At most this many per 7-day window counted from Day 1.
        #[serde(default)]
        max_per_week: Option<i32>,
    },
    /// Open-ended maintenance boosters.
    Boosters {
        /// Name ("Maintenance").
        name: String,
        /// The policy a new course starts with.
        default_policy: BoosterPolicy,
        /// The intervals a clinician steps between, shortest first.
        interval_steps_days: Vec<i32>,
    },
}

/// What the patient is told before each session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayOfInstructions {
    /// No food this many hours before.
    pub fasting_hours: i32,
    /// Arrive this many minutes early for vitals.
    pub arrive_early_minutes: i32,
    /// A responsible adult drives the patient home.
    pub driver_required: bool,
    /// No driving until the next day.
    pub no_driving_until_next_day: bool,
}

/// A protocol's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "IV ketamine, twice weekly",
    "modality": "iv",
    "rems": false,
    "chair_time": {"pre_dose_check_minutes": 10, "treatment_minutes": 40, "monitoring_minutes": 50},
    "phases": [
        {"kind": "series", "name": "Induction", "sessions": 6, "min_days_between": 3, "max_days_between": 4, "max_span_days": 24, "max_per_week": 2},
        {"kind": "boosters", "name": "Maintenance", "default_policy": {"interval_days": 28, "floor_days": 14, "ceiling_days": 56, "tolerance_days": 3}, "interval_steps_days": [14, 21, 28, 42, 56]}
    ],
    "instructions": {"fasting_hours": 6, "arrive_early_minutes": 15, "driver_required": true, "no_driving_until_next_day": true}
}))]
pub struct ProtocolDefinition {
    /// Name.
    pub name: String,
    /// How the treatment is given.
    pub modality: Modality,
    /// The esketamine REMS applies.
    #[serde(default)]
    pub rems: bool,
    /// Chair time per session.
    pub chair_time: ChairTime,
    /// Phases in order; boosters, if any, last.
    pub phases: Vec<Phase>,
    /// Day-of instructions.
    pub instructions: DayOfInstructions,
}

/// A protocol the clinic can start courses on.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProtocolView {
    /// Id.
    pub id: i64,
    /// Stable code (`iv-ketamine-standard`, `esketamine-nasal`, or the clinic's own).
    pub code: String,
    /// Revision new courses get; a course keeps the revision it started with.
    pub revision: i32,
    /// The content.
    pub definition: ProtocolDefinition,
    /// When created.
    pub created_at: DateTime<Utc>,
}

/// A new custom protocol.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProtocol {
    /// Stable code, unique in the clinic: lowercase letters, digits, dashes.
    #[schema(example = "iv-ketamine-twice-weekly", pattern = "^[a-z0-9-]{3,64}$")]
    pub code: String,
    /// The content, validated.
    pub definition: ProtocolDefinition,
}

impl From<BoosterPolicy> for engine::BoosterPolicy {
    fn from(p: BoosterPolicy) -> Self {
        engine::BoosterPolicy {
            interval_days: p.interval_days,
            floor_days: p.floor_days,
            ceiling_days: p.ceiling_days,
            tolerance_days: p.tolerance_days,
        }
    }
}

impl From<engine::BoosterPolicy> for BoosterPolicy {
    fn from(p: engine::BoosterPolicy) -> Self {
        BoosterPolicy {
            interval_days: p.interval_days,
            floor_days: p.floor_days,
            ceiling_days: p.ceiling_days,
            tolerance_days: p.tolerance_days,
        }
    }
}

impl From<&ProtocolDefinition> for engine::Protocol {
    fn from(d: &ProtocolDefinition) -> Self {
        engine::Protocol {
            name: d.name.clone(),
            modality: d.modality.into(),
            rems: d.rems,
            chair_time: engine::ChairTime {
                pre_dose_check_minutes: d.chair_time.pre_dose_check_minutes,
                treatment_minutes: d.chair_time.treatment_minutes,
                monitoring_minutes: d.chair_time.monitoring_minutes,
            },
            phases: d
                .phases
                .iter()
                .map(|p| match p {
                    Phase::Series {
                        name,
                        sessions,
                        min_days_between,
                        max_days_between,
                        max_span_days,
                        max_per_week,
                    } => engine::Phase {
                        name: name.clone(),
                        kind: engine::PhaseKind::Series(engine::SeriesRules {
                            sessions: *sessions,
                            min_days_between: *min_days_between,
                            max_days_between: *max_days_between,
                            max_span_days: *max_span_days,
                            max_per_week: *max_per_week,
                        }),
                    },
                    Phase::Boosters {
                        name,
                        default_policy,
                        interval_steps_days,
                    } => engine::Phase {
                        name: name.clone(),
                        kind: engine::PhaseKind::Boosters(engine::BoosterRules {
                            default_policy: (*default_policy).into(),
                            interval_steps_days: interval_steps_days.clone(),
                        }),
                    },
                })
                .collect(),
            instructions: engine::DayOfInstructions {
                fasting_hours: d.instructions.fasting_hours,
                arrive_early_minutes: d.instructions.arrive_early_minutes,
                driver_required: d.instructions.driver_required,
                no_driving_until_next_day: d.instructions.no_driving_until_next_day,
            },
        }
    }
}

impl From<&engine::Protocol> for ProtocolDefinition {
    fn from(p: &engine::Protocol) -> Self {
        ProtocolDefinition {
            name: p.name.clone(),
            modality: p.modality.into(),
            rems: p.rems,
            chair_time: ChairTime {
                pre_dose_check_minutes: p.chair_time.pre_dose_check_minutes,
                treatment_minutes: p.chair_time.treatment_minutes,
                monitoring_minutes: p.chair_time.monitoring_minutes,
            },
            phases: p
                .phases
                .iter()
                .map(|phase| match &phase.kind {
                    engine::PhaseKind::Series(r) => Phase::Series {
                        name: phase.name.clone(),
                        sessions: r.sessions,
                        min_days_between: r.min_days_between,
                        max_days_between: r.max_days_between,
                        max_span_days: r.max_span_days,
                        max_per_week: r.max_per_week,
                    },
                    engine::PhaseKind::Boosters(r) => Phase::Boosters {
                        name: phase.name.clone(),
                        default_policy: r.default_policy.into(),
                        interval_steps_days: r.interval_steps_days.clone(),
                    },
                })
                .collect(),
            instructions: DayOfInstructions {
                fasting_hours: p.instructions.fasting_hours,
                arrive_early_minutes: p.instructions.arrive_early_minutes,
                driver_required: p.instructions.driver_required,
                no_driving_until_next_day: p.instructions.no_driving_until_next_day,
            },
        }
    }
}
