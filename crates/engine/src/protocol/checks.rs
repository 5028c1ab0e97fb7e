//! What makes a protocol sound: every limit in range and consistent with
//! the others, boosters last. Every error names the field.

use super::{BoosterRules, PhaseKind, Protocol, SeriesRules, MAX_DAYS};
use crate::error::EngineError;

impl Protocol {
    /// Checks a protocol for nonsense: every error names the field.
    pub fn validate(&self) -> Result<(), EngineError> {
        if self.name.trim().is_empty() {
            return Err(EngineError::invalid("name", "a protocol needs a name"));
        }
        self.chair_time.validate("chair_time")?;
        if let Some(needs) = &self.staffing {
            crate::staff::needs::validate_needs(needs, "staffing")?;
        }
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
