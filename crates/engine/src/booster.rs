//! Maintenance boosters: the next booster goes at last session + interval,
//! moved by at most the tolerance to find a chair, never before the floor
//! nor after the ceiling. The interval belongs to the clinician (domain rule
//! 12): changing it re-plans only future boosters, which is why a proposal
//! starts from the last session that stands.

use chrono::{Duration, NaiveDate};

use crate::dates;
use crate::days::Days;
use crate::error::EngineError;
use crate::infeasible::{describe_blockers, Infeasibility, ALTERNATIVE_SEARCH_DAYS};
use crate::occupancy::Interval;
use crate::plan::{to_sessions, PlannedSession};
use crate::planner::Planner;
use crate::preferences::PatientPreferences;
use crate::protocol::{BoosterPolicy, Protocol};
use crate::rules::Rule;

/// A request for the next booster(s) of a course.
#[derive(Clone, Copy, Debug)]
pub struct BoosterRequest<'r> {
    /// The protocol (must have a booster phase).
    pub protocol: &'r Protocol,
    /// The course's booster policy (the clinician's, not necessarily the default).
    pub policy: &'r BoosterPolicy,
    /// Local date of the last session that stands (attended, or kept).
    pub previous_session: NaiveDate,
    /// How many boosters to propose, each after the one before.
    pub count: usize,
    /// No booster before this local date (today, when re-planning).
    pub not_before: NaiveDate,
    /// Sequence number of the first proposed booster within the phase.
    pub first_sequence: u32,
    /// The patient's constraints and wishes.
    pub preferences: &'r PatientPreferences,
    /// The patient's other live sessions (not the boosters being re-planned).
    pub patient_sessions: &'r [Interval],
}

impl Planner<'_> {
    /// Proposes the next boosters: for each, the day nearest its target
    /// (ties: the earlier) within `target ± tolerance`, clipped to
    /// `floor..=ceiling` days after the session before. A booster already
    /// overdue is proposed from `not_before` within the tolerance.
    pub fn propose_boosters(
        &self,
        request: &BoosterRequest,
    ) -> Result<Vec<PlannedSession>, EngineError> {
        let protocol = request.protocol;
        protocol.validate()?;
        request.policy.validate("booster_policy")?;
        if protocol.boosters().is_none() {
            return Err(EngineError::invalid(
                "protocol",
                format!("protocol {:?} has no booster phase", protocol.name),
            ));
        }
        dates::check("previous_session", request.previous_session)?;
        dates::check("not_before", request.not_before)?;
        dates::check_intervals("patient_sessions", request.patient_sessions)?;
        let need = self.need_for(protocol)?;
        let base = request.previous_session.min(request.not_before);
        let mut days = Days::new(
            self,
            need,
            request.preferences,
            request.patient_sessions,
            base,
        );
        let policy = request.policy;
        let mut previous = days.offset(request.previous_session);
        let not_before = days.offset(request.not_before);
        let mut chosen = Vec::with_capacity(request.count);
        for _ in 0..request.count {
            let (target, lo, hi) = booster_window(policy, previous, not_before);
            let mut candidates: Vec<i64> = (lo..=hi).collect();
            candidates.sort_by_key(|&d| ((d - target).abs(), d));
            let Some(day) = candidates.into_iter().find(|&d| days.usable(d)) else {
                let earliest_feasible = days
                    .first_usable(hi + 1, hi + ALTERNATIVE_SEARCH_DAYS)
                    .map(|o| days.date(o));
                let blockers = days.blockers(lo, hi);
                return Err(Infeasibility {
                    rule: blockers.first().map_or(Rule::ChairsFull, |b| b.0),
                    detail: format!(
                        "no chair for the booster targeted on {} within {}..={} ({})",
                        days.date(target),
                        days.date(lo),
                        days.date(hi),
                        describe_blockers(&blockers)
                    ),
                    earliest_feasible,
                }
                .into());
            };
            chosen.push(day);
            previous = day;
        }
        Ok(to_sessions(&mut days, &chosen, request.first_sequence))
    }
}

/// The target day and the allowed window for the booster after `previous`.
fn booster_window(policy: &BoosterPolicy, previous: i64, not_before: i64) -> (i64, i64, i64) {
    let floor = previous + i64::from(policy.floor_days);
    let ceiling = previous + i64::from(policy.ceiling_days);
    let tolerance = i64::from(policy.tolerance_days);
    let target = previous + i64::from(policy.interval_days);
    let lo = floor.max(target - tolerance);
    let hi = ceiling.min(target + tolerance);
    if hi < not_before {
        // Overdue (the patient missed the window): as soon as possible.
        let lo = not_before.max(floor);
        return (lo, lo, lo + tolerance);
    }
    (target.max(not_before), lo.max(not_before), hi)
}

/// The target date of the next booster under a policy (`NaiveDate::MAX`
/// if that is past the end of chrono's calendar).
pub fn booster_target(policy: &BoosterPolicy, previous_session: NaiveDate) -> NaiveDate {
    previous_session
        .checked_add_signed(Duration::days(i64::from(policy.interval_days)))
        .unwrap_or(NaiveDate::MAX)
}
