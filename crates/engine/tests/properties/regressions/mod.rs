//! Engine bugs the properties found, pinned one by one so they stay fixed,
//! each named after the bug: local times around the clock changes, numbers
//! too big to plan with, and re-plans.

mod daylight_saving;
mod huge_numbers;
mod replanning;

use chairside_engine::*;

/// The IV preset with `rules` for its induction.
fn with_series(rules: SeriesRules) -> Protocol {
    let mut protocol = presets::iv_ketamine_standard();
    protocol.phases[0].kind = PhaseKind::Series(rules);
    protocol
}

/// A series of one session: only where and when it may go is in question.
fn a_single_session() -> Protocol {
    with_series(SeriesRules {
        sessions: 1,
        min_days_between: 1,
        max_days_between: 1,
        max_span_days: 0,
        max_per_week: None,
    })
}

/// 20 minutes of treatment, nothing before or after: short enough to fit
/// in the hour around a clock change.
const TWENTY_MINUTES: ChairTime = ChairTime {
    pre_dose_check_minutes: 0,
    treatment_minutes: 20,
    monitoring_minutes: 0,
};
