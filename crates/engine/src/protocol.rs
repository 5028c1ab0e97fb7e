//! Protocols: an ordered list of phases, each a *series* (a fixed number of
//! sessions under spacing rules) or *boosters* (open-ended maintenance at a
//! clinician-set interval), plus the chair time every session holds.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::calendar::Modality;
use crate::error::EngineError;

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
    /// No driving until the next day.
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

    /// Checks a protocol for nonsense: every error names the field.
    pub fn validate(&self) -> Result<(), EngineError> {
        if self.name.trim().is_empty() {
            return Err(EngineError::invalid("name", "a protocol needs a name"));
        }
        self.chair_time.validate("chair_time")?;
        let i = &self.instructions;
        if !(0..=24).contains(&i.fasting_hours) {
            return Err(EngineError::invalid(
                "instructions.fasting_hours",
                format!("{} is outside 0..=24", i.fasting_hours),
            ));
        }
        if !(0..=240).contains(&i.arrive_early_minutes) {
            return Err(EngineError::invalid(
                "instructions.arrive_early_minutes",
                format!("{} is outside 0..=240", i.arrive_early_minutes),
            ));
        }
        if self.phases.is_empty() {
            return Err(EngineError::invalid(
                "phases",
                "a protocol needs at least one phase",
            ));
        }
        for (index, phase) in self.phases.iter().enumerate() {
            let field = format!("phases[{index}]");
            if phase.name.trim().is_empty() {
                return Err(EngineError::invalid(
                    format!("{field}.name"),
                    "a phase needs a name",
                ));
            }
            match &phase.kind {
                PhaseKind::Series(rules) => validate_series(rules, &field)?,
                PhaseKind::Boosters(rules) => {
                    if index + 1 != self.phases.len() {
                        return Err(EngineError::invalid(
                            field,
                            "boosters are open-ended, so they must be the last phase",
                        ));
                    }
                    validate_boosters(rules, &field)?;
                }
            }
        }
        Ok(())
    }
}

fn validate_series(rules: &SeriesRules, field: &str) -> Result<(), EngineError> {
    let invalid =
        |name: &str, reason: String| EngineError::invalid(format!("{field}.{name}"), reason);
    if !(1..=100).contains(&rules.sessions) {
        return Err(invalid(
            "sessions",
            format!("{} is outside 1..=100", rules.sessions),
        ));
    }
    if !(1..=MAX_DAYS).contains(&rules.min_days_between) {
        return Err(invalid(
            "min_days_between",
            format!(
                "{} is outside 1..={MAX_DAYS} (one session a day at most)",
                rules.min_days_between
            ),
        ));
    }
    if rules.max_days_between < rules.min_days_between || rules.max_days_between > MAX_DAYS {
        return Err(invalid(
            "max_days_between",
            format!(
                "{} must be at least min_days_between ({}) and at most {MAX_DAYS}",
                rules.max_days_between, rules.min_days_between
            ),
        ));
    }
    let shortest_span = (rules.sessions - 1) * rules.min_days_between;
    if rules.max_span_days < shortest_span || rules.max_span_days > MAX_DAYS {
        return Err(invalid(
            "max_span_days",
            format!(
                "{} days cannot hold {} sessions at least {} days apart (needs {shortest_span})",
                rules.max_span_days, rules.sessions, rules.min_days_between
            ),
        ));
    }
    if let Some(cap) = rules.max_per_week {
        let weeks = rules.max_span_days / 7 + 1;
        // One session a day at most: more than 7 in a 7-day window is nonsense.
        if !(1..=7).contains(&cap) {
            return Err(invalid("max_per_week", format!("{cap} is outside 1..=7")));
        }
        if cap * weeks < rules.sessions {
            return Err(invalid(
                "max_per_week",
                format!(
                    "{cap} a week over {weeks} phase weeks cannot hold {} sessions",
                    rules.sessions
                ),
            ));
        }
    }
    Ok(())
}

fn validate_boosters(rules: &BoosterRules, field: &str) -> Result<(), EngineError> {
    let policy = &rules.default_policy;
    policy.validate(&format!("{field}.default_policy"))?;
    let steps = &rules.interval_steps_days;
    let field = format!("{field}.interval_steps_days");
    if steps.is_empty() {
        return Err(EngineError::invalid(
            field,
            "list at least the default interval",
        ));
    }
    if steps.windows(2).any(|w| w[0] >= w[1]) {
        return Err(EngineError::invalid(
            field,
            "steps must be strictly increasing",
        ));
    }
    if steps
        .iter()
        .any(|s| !(policy.floor_days..=policy.ceiling_days).contains(s))
    {
        return Err(EngineError::invalid(
            field,
            "every step must lie between the floor and the ceiling",
        ));
    }
    Ok(())
}
