//! Planning a whole series phase (an induction) for a new course.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::ChairId;
use crate::dates;
use crate::days::Days;
use crate::error::EngineError;
use crate::infeasible::{describe_blockers, Infeasibility, ALTERNATIVE_SEARCH_DAYS};
use crate::occupancy::Interval;
use crate::planner::{Need, Planner, Slot};
use crate::preferences::PatientPreferences;
use crate::protocol::{Protocol, SeriesRules};
use crate::rules::Rule;
use crate::series::{place_series, Limits};

/// The furthest ahead a first session may be asked for.
pub const MAX_FIRST_WITHIN_DAYS: u32 = 366;

/// A request to plan one series phase.
#[derive(Clone, Copy, Debug)]
pub struct PhaseRequest<'r> {
    pub protocol: &'r Protocol,
    /// Which phase (a series).
    pub phase: usize,
    /// The patient's constraints and wishes.
    pub preferences: &'r PatientPreferences,
    /// No session before this local date.
    pub earliest: NaiveDate,
    /// The first session must be within this many days of `earliest`.
    pub first_within_days: u32,
    /// The patient's other live sessions (other courses); their days are taken.
    pub patient_sessions: &'r [Interval],
    /// The last session of the previous phase, if this phase follows one:
    /// the gap to it obeys this phase's min/max days between.
    pub previous_session: Option<NaiveDate>,
}

/// One session of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedSession {
    /// 1-based position in the phase.
    pub sequence: u32,
    pub chair: ChairId,
    /// Start of the chair interval (pre-dose check).
    pub start: DateTime<Utc>,
    /// End of the chair interval (end of monitoring).
    pub end: DateTime<Utc>,
    /// Local date in the clinic's zone.
    pub local_date: NaiveDate,
    /// Local wall-clock start in the clinic's zone.
    pub local_time: NaiveTime,
}

impl PlannedSession {
    pub(crate) fn from_slot(sequence: u32, slot: Slot) -> Self {
        PlannedSession {
            sequence,
            chair: slot.chair,
            start: slot.interval.start,
            end: slot.interval.end,
            local_date: slot.local_date,
            local_time: slot.local_time,
        }
    }

    /// The chair interval.
    pub fn interval(&self) -> Interval {
        Interval::new(self.start, self.end)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhasePlan {
    /// The phase planned.
    pub phase: usize,
    /// Its sessions, in order.
    pub sessions: Vec<PlannedSession>,
}

impl Planner<'_> {
    /// Plans a series phase exactly (see [`crate::series`] for the objective).
    ///
    /// Fails with [`EngineError::Infeasible`] naming the rule that could not be
    /// met and the earliest date from which a plan exists.
    pub fn plan_phase(&self, request: &PhaseRequest) -> Result<PhasePlan, EngineError> {
        let protocol = request.protocol;
        protocol.validate()?;
        request.preferences.validate()?;
        let rules = protocol.series(request.phase)?;
        if request.first_within_days > MAX_FIRST_WITHIN_DAYS {
            return Err(EngineError::invalid(
                "first_within_days",
                format!("at most {MAX_FIRST_WITHIN_DAYS}"),
            ));
        }
        dates::check("earliest", request.earliest)?;
        if let Some(previous) = request.previous_session {
            dates::check("previous_session", previous)?;
        }
        dates::check_intervals("patient_sessions", request.patient_sessions)?;
        let need = self.need_for(protocol)?;
        let mut days = Days::new(
            self,
            need,
            request.preferences,
            request.patient_sessions,
            request.earliest,
        );
        let limits = Limits::of(rules);
        let count = rules.sessions as usize;
        let (mut first_from, mut first_to) = (0, i64::from(request.first_within_days));
        if let Some(previous) = request.previous_session {
            let after = days.offset(previous);
            first_from = first_from.max(after + limits.min_gap);
            first_to = first_to.min(after + limits.max_gap);
        }
        let hi = first_to + limits.max_span;
        if let Some(chosen) = place_series(&mut days, &limits, count, first_from, first_to, hi) {
            return Ok(PhasePlan {
                phase: request.phase,
                sessions: to_sessions(&mut days, &chosen, 1),
            });
        }
        Err(explain(&mut days, rules, &limits, count, first_from, first_to).into())
    }

    /// What a session of the protocol needs, or why no chair can ever host it.
    pub(crate) fn need_for(&self, protocol: &Protocol) -> Result<Need, EngineError> {
        if !self.has_chair_for(protocol.modality) {
            return Err(Infeasibility {
                rule: Rule::NoSuitableChair,
                detail: format!("no active chair supports {:?}", protocol.modality),
                earliest_feasible: None,
            }
            .into());
        }
        let staffing = &self.calendar.staffing;
        Ok(Need {
            duration: protocol.chair_time.total(),
            modality: protocol.modality,
            chair_time: protocol.chair_time,
            staff: if staffing.applies() {
                staffing.needs_for(protocol)
            } else {
                Vec::new()
            },
        })
    }
}

pub(crate) fn to_sessions(
    days: &mut Days,
    chosen: &[i64],
    first_sequence: u32,
) -> Vec<PlannedSession> {
    chosen
        .iter()
        .enumerate()
        .map(|(i, &offset)| PlannedSession::from_slot(first_sequence + i as u32, days.slot(offset)))
        .collect()
}

/// Names the rule that defeats every series starting in `first_from..=first_to`,
/// and finds the earliest first day that works.
pub(crate) fn explain(
    days: &mut Days,
    rules: &SeriesRules,
    limits: &Limits,
    count: usize,
    first_from: i64,
    first_to: i64,
) -> Infeasibility {
    let from = first_from.max(0);
    let window_end = first_to + limits.max_span;
    let earliest_feasible = place_series(
        days,
        limits,
        count,
        first_to + 1,
        from + ALTERNATIVE_SEARCH_DAYS,
        from + ALTERNATIVE_SEARCH_DAYS + limits.max_span,
    )
    .map(|chosen| days.date(chosen[0]));
    let blockers = describe_blockers(&days.blockers(first_from, window_end));
    let window = format!(
        "first session {}..={}",
        days.date(from),
        days.date(first_to)
    );
    if first_to < from {
        return Infeasibility {
            rule: Rule::MaxGap,
            detail: format!(
                "the previous phase ended more than {} days before the earliest date",
                rules.max_days_between
            ),
            earliest_feasible,
        };
    }
    let usable = (from..=window_end).filter(|&o| days.usable(o)).count();
    let defeated_by = (usable >= count)
        .then(|| spacing_that_defeats(days, limits, count, first_from, first_to, window_end))
        .flatten();
    if let Some(rule) = defeated_by {
        return Infeasibility {
            rule,
            detail: format!(
                "{usable} usable days, but no {count} of them keep the rule ({window}; {blockers})"
            ),
            earliest_feasible,
        };
    }
    let dominant = days
        .blockers(first_from, window_end)
        .first()
        .map_or(Rule::ChairsFull, |(rule, _)| *rule);
    Infeasibility {
        rule: dominant,
        detail: format!("only {usable} usable days for {count} sessions ({window}; {blockers})"),
        earliest_feasible,
    }
}

/// Days exist but the spacing defeats them: the limit that does, found by
/// dropping one at a time.
fn spacing_that_defeats(
    days: &mut Days,
    limits: &Limits,
    count: usize,
    first_from: i64,
    first_to: i64,
    window_end: i64,
) -> Option<Rule> {
    let horizon = window_end - first_from.max(0) + 1;
    each_limit_dropped(limits, horizon)
        .into_iter()
        .find(|(_, relaxed)| {
            let hi = first_to + relaxed.max_span;
            place_series(days, relaxed, count, first_from, first_to, hi).is_some()
        })
        .map(|(rule, _)| rule)
}

/// The series' limits with one spacing rule dropped at a time, each named
/// by the rule dropped: the first that lets a series through is the rule
/// that defeated it.
fn each_limit_dropped(limits: &Limits, horizon: i64) -> [(Rule, Limits); 4] {
    [
        (
            Rule::Span,
            Limits {
                max_span: horizon,
                ..*limits
            },
        ),
        (
            Rule::MaxGap,
            Limits {
                max_gap: horizon,
                ..*limits
            },
        ),
        (
            Rule::WeeklyCap,
            Limits {
                cap: None,
                ..*limits
            },
        ),
        (
            Rule::MinGap,
            Limits {
                min_gap: 1,
                ..*limits
            },
        ),
    ]
}

/// Offsets of dates relative to the day table's base.
pub(crate) fn offsets(days: &Days, dates: &[NaiveDate]) -> Vec<i64> {
    dates.iter().map(|d| days.offset(*d)).collect()
}
