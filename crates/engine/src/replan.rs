//! After a miss or a move: defer one session, omit one, or re-plan the rest
//! of a series inside its rules (domain rule 4). When the rules can no longer
//! be kept, the best plan that relaxes only the max gap and span is returned
//! with every violation listed, so a clinician can accept it or restart.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::dates;
use crate::days::Days;
use crate::error::EngineError;
use crate::infeasible::{describe_blockers, Infeasibility, ALTERNATIVE_SEARCH_DAYS};
use crate::occupancy::Interval;
use crate::plan::{offsets, to_sessions, PlannedSession};
use crate::planner::Planner;
use crate::preferences::PatientPreferences;
use crate::protocol::Protocol;
use crate::rules::{Rule, Violation};
use crate::series::{place_after, place_series, series_violations, Anchor, Limits};

/// A re-plan of the rest of a series phase.
#[derive(Clone, Copy, Debug)]
pub struct ReplanRequest<'r> {
    /// The protocol (the version the course started with).
    pub protocol: &'r Protocol,
    /// The series phase being re-planned.
    pub phase: usize,
    /// Local dates of this phase's sessions that stay where they are
    /// (completed, or otherwise kept), in order.
    pub kept: &'r [NaiveDate],
    /// How many sessions remain to place.
    pub remaining: usize,
    /// No new session before this local date (usually today or tomorrow).
    pub earliest: NaiveDate,
    /// The patient's constraints and wishes.
    pub preferences: &'r PatientPreferences,
    /// The patient's other live sessions (not the ones being re-planned).
    pub patient_sessions: &'r [Interval],
}

/// The outcome of a re-plan or a deferral.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replan {
    /// The new sessions, numbered after the kept ones.
    pub sessions: Vec<PlannedSession>,
    /// Empty when the plan keeps every rule; otherwise the rules the plan
    /// breaks, and the course is *at risk* until a clinician decides.
    pub violations: Vec<Violation>,
}

impl Replan {
    /// Whether the plan needs a clinician's decision.
    pub fn at_risk(&self) -> bool {
        !self.violations.is_empty()
    }
}

/// Moving one session of a series.
#[derive(Clone, Copy, Debug)]
pub struct DeferRequest<'r> {
    pub protocol: &'r Protocol,
    /// The series phase.
    pub phase: usize,
    /// Local dates of the phase's live sessions, in order, including the one moving.
    pub dates: &'r [NaiveDate],
    /// Index into `dates` of the session that moves.
    pub moving: usize,
    /// The session may not go before this local date.
    pub not_before: NaiveDate,
    /// The patient's constraints and wishes.
    pub preferences: &'r PatientPreferences,
    /// The patient's other live sessions, not including the one moving.
    pub patient_sessions: &'r [Interval],
}

/// How far past the request a relaxed plan may reach.
const RELAXED_HORIZON_DAYS: i64 = 120;

impl Planner<'_> {
    /// Re-plans the remaining sessions of a series, keeping `kept` fixed:
    /// within the series' rules if it can; else with its gaps and span
    /// relaxed, the broken rules listed (the course goes at risk).
    pub fn replan_series(&self, request: &ReplanRequest) -> Result<Replan, EngineError> {
        let protocol = request.protocol;
        protocol.validate()?;
        let rules = protocol.series(request.phase)?;
        if request.kept.windows(2).any(|w| w[0] > w[1]) {
            return Err(EngineError::invalid("kept", "kept dates must be in order"));
        }
        dates::check("earliest", request.earliest)?;
        dates::check_all("kept", request.kept)?;
        dates::check_intervals("patient_sessions", request.patient_sessions)?;
        let count = request.remaining;
        if count == 0 {
            return Ok(Replan {
                sessions: Vec::new(),
                violations: series_violations(rules, request.kept),
            });
        }
        let need = self.need_for(protocol)?;
        let mut days = Days::new(
            self,
            need,
            request.preferences,
            request.patient_sessions,
            request.earliest,
        );
        let limits = Limits::of(rules);
        let kept = offsets(&days, request.kept);
        let hi = RELAXED_HORIZON_DAYS + limits.max_span;
        let relaxed = limits.without_gap_and_span(hi);
        let chosen = place_rest(&mut days, &limits, &kept, count, None)
            .or_else(|| place_rest(&mut days, &relaxed, &kept, count, Some(hi)));
        let Some(chosen) = chosen else {
            return Err(Infeasibility {
                rule: days.blockers(0, hi).first().map_or(Rule::ChairsFull, |b| b.0),
                detail: format!(
                    "{count} sessions cannot be placed within {hi} days even with relaxed spacing ({})",
                    describe_blockers(&days.blockers(0, hi))
                ),
                earliest_feasible: None,
            }
            .into());
        };
        let sessions = to_sessions(&mut days, &chosen, kept.len() as u32 + 1);
        // The new sessions keep the rules if they can; the kept ones may
        // not (a clinician may have accepted an extension before).
        let mut all = request.kept.to_vec();
        all.extend(sessions.iter().map(|s| s.local_date));
        Ok(Replan {
            violations: series_violations(rules, &all),
            sessions,
        })
    }

    /// Moves one session to the earliest day (from `not_before`) where the
    /// series still keeps its rules, leaving the others where they are. If no
    /// such day exists, moves it to the first day with a free chair and lists
    /// what that breaks.
    pub fn defer_session(&self, request: &DeferRequest) -> Result<Replan, EngineError> {
        let protocol = request.protocol;
        protocol.validate()?;
        let rules = protocol.series(request.phase)?;
        check_defer(request)?;
        let need = self.need_for(protocol)?;
        let mut days = Days::new(
            self,
            need,
            request.preferences,
            request.patient_sessions,
            request.not_before,
        );
        let others: Vec<NaiveDate> = request
            .dates
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != request.moving)
            .map(|(_, d)| *d)
            .collect();
        let with = |offset: i64, days: &Days| {
            let mut all = others.clone();
            all.push(days.date(offset));
            all.sort();
            all
        };
        let mut fallback = None;
        for offset in 0..ALTERNATIVE_SEARCH_DAYS {
            if others.contains(&days.date(offset)) || !days.usable(offset) {
                continue;
            }
            let all = with(offset, &days);
            let violations = series_violations(rules, &all);
            if violations.is_empty() {
                return Ok(self.deferred(&mut days, offset, &all, Vec::new()));
            }
            fallback.get_or_insert((offset, all, violations));
        }
        match fallback {
            Some((offset, all, violations)) => {
                Ok(self.deferred(&mut days, offset, &all, violations))
            }
            None => Err(Infeasibility {
                rule: days
                    .blockers(0, ALTERNATIVE_SEARCH_DAYS - 1)
                    .first()
                    .map_or(Rule::ChairsFull, |b| b.0),
                detail: format!(
                    "no free chair within {ALTERNATIVE_SEARCH_DAYS} days of {}",
                    request.not_before
                ),
                earliest_feasible: None,
            }
            .into()),
        }
    }

    fn deferred(
        &self,
        days: &mut Days,
        offset: i64,
        all: &[NaiveDate],
        violations: Vec<Violation>,
    ) -> Replan {
        let date = days.date(offset);
        let sequence = all
            .iter()
            .position(|d| *d == date)
            .expect("moved date listed") as u32
            + 1;
        Replan {
            sessions: to_sessions(days, &[offset], sequence),
            violations,
        }
    }
}

/// Omitting one session leaves the others where they are; this lists the
/// rules the remaining dates then break (e.g. a gap now too long), empty if
/// none.
pub fn omit_session(
    protocol: &Protocol,
    phase: usize,
    remaining: &[NaiveDate],
) -> Result<Vec<Violation>, EngineError> {
    let rules = protocol.series(phase)?;
    Ok(series_violations(rules, remaining))
}

/// The best placement of `count` sessions after the kept ones, or of a
/// fresh series starting within the horizon when nothing is kept, ending by
/// `hi` (by default: the series' span from the kept Day 1, or the horizon).
fn place_rest(
    days: &mut Days,
    limits: &Limits,
    kept: &[i64],
    count: usize,
    hi: Option<i64>,
) -> Option<Vec<i64>> {
    match Anchor::from_days(kept) {
        Some(anchor) => {
            let hi = hi.unwrap_or(anchor.day1 + limits.max_span);
            place_after(days, limits, anchor, count, 0, hi)
        }
        None => {
            let hi = hi.unwrap_or(RELAXED_HORIZON_DAYS + limits.max_span);
            place_series(days, limits, count, 0, RELAXED_HORIZON_DAYS, hi)
        }
    }
}

/// The session to move is one of the phase's, and every date is one
/// Chairside accepts.
fn check_defer(request: &DeferRequest) -> Result<(), EngineError> {
    if request.moving >= request.dates.len() {
        return Err(EngineError::invalid(
            "moving",
            format!("the phase has {} sessions", request.dates.len()),
        ));
    }
    dates::check("not_before", request.not_before)?;
    dates::check_all("dates", request.dates)?;
    dates::check_intervals("patient_sessions", request.patient_sessions)
}
