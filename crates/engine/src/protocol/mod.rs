//! Protocols: an ordered list of phases, each a *series* (a fixed number of
//! sessions under spacing rules) or *boosters* (open-ended maintenance at a
//! clinician-set interval), plus the chair time every session holds.

use chrono::Duration;
use serde::{Deserialize, Serialize};

mod checks;
mod phase;

pub use phase::{BoosterPolicy, BoosterRules, Phase, PhaseKind, SeriesRules, MAX_DAYS};

use crate::calendar::Modality;
use crate::error::EngineError;
use crate::staff::StaffNeed;

/// How long a session holds its chair: the chair is taken from the pre-dose
/// check to the end of monitoring, not only for the drug (domain rule 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChairTime {
    /// Vitals / blood-pressure check before dosing, minutes.
    pub pre_dose_check_minutes: i32,
    /// The infusion or dosing itself, minutes.
    pub treatment_minutes: i32,
    /// Monitored recovery after dosing, minutes.
    pub monitoring_minutes: i32,
}

impl ChairTime {
    /// The whole chair interval.
    pub fn total(&self) -> Duration {
        Duration::minutes(i64::from(
            self.pre_dose_check_minutes + self.treatment_minutes + self.monitoring_minutes,
        ))
    }

    /// Checks that the minutes make sense.
    pub fn validate(&self, field: &str) -> Result<(), EngineError> {
        for (name, minutes) in [
            ("pre_dose_check_minutes", self.pre_dose_check_minutes),
            ("treatment_minutes", self.treatment_minutes),
            ("monitoring_minutes", self.monitoring_minutes),
        ] {
            if !(0..=12 * 60).contains(&minutes) {
                return Err(EngineError::invalid(
                    format!("{field}.{name}"),
                    format!("{minutes} minutes is outside 0..=720"),
                ));
            }
        }
        if self.treatment_minutes == 0 {
            return Err(EngineError::invalid(
                format!("{field}.treatment_minutes"),
                "a session must include some treatment time",
            ));
        }
        Ok(())
    }
}

/// What the patient is told before every session (travels with reminders).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayOfInstructions {
    /// No food for this many hours before the session.
    pub fasting_hours: i32,
    /// Arrive this many minutes early for vitals.
    pub arrive_early_minutes: i32,
    /// A responsible adult must drive the patient home.
    pub driver_required: bool,
    pub no_driving_until_next_day: bool,
}

/// A treatment protocol: chair time, phases and day-of instructions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ProtocolDefinition, example = json!({
    "name": "IV ketamine, twice weekly",
    "modality": "iv",
    "rems": false,
    "chair_time": {"pre_dose_check_minutes": 10, "treatment_minutes": 40, "monitoring_minutes": 50},
    "phases": [
        {"kind": "series", "name": "Induction", "sessions": 6, "min_days_between": 3, "max_days_between": 4, "max_span_days": 24, "max_per_week": 2},
        {"kind": "boosters", "name": "Maintenance", "default_policy": {"interval_days": 28, "floor_days": 14, "ceiling_days": 56, "tolerance_days": 3}, "interval_steps_days": [14, 21, 28, 42, 56]}
    ],
    "instructions": {"fasting_hours": 6, "arrive_early_minutes": 15, "driver_required": true, "no_driving_until_next_day": true}
})))]
pub struct Protocol {
    /// Human name.
    pub name: String,
    /// How the treatment is given; decides which chairs can host it.
    pub modality: Modality,
    /// Whether the REMS programme applies (esketamine): certified site,
    /// enrolled patient, monitoring form after every session.
    #[serde(default)]
    pub rems: bool,
    /// Chair time per session.
    pub chair_time: ChairTime,
    /// The phases in order.
    pub phases: Vec<Phase>,
    /// Day-of instructions.
    pub instructions: DayOfInstructions,
    /// What each segment needs from staff; absent = the modality's preset
    /// (a clinic's own ratios replace either).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staffing: Option<Vec<StaffNeed>>,
}

impl Protocol {
    /// The phase at `index`, or an input error naming it.
    pub fn phase(&self, index: usize) -> Result<&Phase, EngineError> {
        self.phases.get(index).ok_or_else(|| {
            EngineError::invalid(
                "phase",
                format!(
                    "protocol {:?} has {} phases; there is no phase {index}",
                    self.name,
                    self.phases.len()
                ),
            )
        })
    }

    /// The series rules of phase `index`, or an input error if it is not a series.
    pub fn series(&self, index: usize) -> Result<&SeriesRules, EngineError> {
        match &self.phase(index)?.kind {
            PhaseKind::Series(rules) => Ok(rules),
            PhaseKind::Boosters(_) => Err(EngineError::invalid(
                "phase",
                format!("phase {index} holds boosters, not a series"),
            )),
        }
    }

    /// The booster phase's index and rules, if the protocol has one.
    pub fn boosters(&self) -> Option<(usize, &BoosterRules)> {
        self.phases
            .iter()
            .enumerate()
            .find_map(|(i, p)| match &p.kind {
                PhaseKind::Boosters(rules) => Some((i, rules)),
                PhaseKind::Series(_) => None,
            })
    }
}
