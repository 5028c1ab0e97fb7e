//! Validation: every rule a given list of sessions breaks, for manual
//! bookings and clinician overrides. Nothing is planned here; the list is
//! checked as given.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::ChairId;
use crate::dates;
use crate::error::EngineError;
use crate::local_time::{local_date, to_local};
use crate::occupancy::Interval;
use crate::planner::Planner;
use crate::protocol::{BoosterPolicy, PhaseKind, Protocol};
use crate::rules::{Rule, Violation};
use crate::series::series_violations;

/// A session as someone proposes it: a chair and a chair interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposedSession {
    /// The chair.
    pub chair: ChairId,
    /// Start of the chair interval.
    pub start: DateTime<Utc>,
    /// End of the chair interval.
    pub end: DateTime<Utc>,
}

/// What to validate.
#[derive(Clone, Copy, Debug)]
pub struct ValidationRequest<'r> {
    /// The protocol.
    pub protocol: &'r Protocol,
    /// The phase the sessions belong to.
    pub phase: usize,
    /// Local dates of the phase's sessions that already stand (not re-checked
    /// against the calendar, but counted for spacing).
    pub standing: &'r [NaiveDate],
    /// The sessions to check. Occupancy must not contain them.
    pub sessions: &'r [ProposedSession],
    /// The session before this phase (previous phase's last, or for boosters
    /// the last session before the first booster checked), for spacing.
    pub previous_session: Option<NaiveDate>,
    /// The course's booster policy, when the phase holds boosters.
    pub booster_policy: Option<&'r BoosterPolicy>,
    /// The patient's other live sessions.
    pub patient_sessions: &'r [Interval],
}

impl Planner<'_> {
    /// Lists every rule the sessions break; empty means they may be booked.
    pub fn validate_sessions(
        &self,
        request: &ValidationRequest,
    ) -> Result<Vec<Violation>, EngineError> {
        let protocol = request.protocol;
        protocol.validate()?;
        let phase = protocol.phase(request.phase)?;
        dates::check_all("standing", request.standing)?;
        if let Some(previous) = request.previous_session {
            dates::check("previous_session", previous)?;
        }
        for (i, session) in request.sessions.iter().enumerate() {
            dates::check_instant(&format!("sessions[{i}].start"), session.start)?;
            dates::check_instant(&format!("sessions[{i}].end"), session.end)?;
        }
        dates::check_intervals("patient_sessions", request.patient_sessions)?;
        let mut sessions = request.sessions.to_vec();
        sessions.sort_by_key(|s| s.start);
        let zone = self.calendar.zone;
        let mut violations = Vec::new();
        for (i, session) in sessions.iter().enumerate() {
            let sequence = Some(i as u32 + 1 + request.standing.len() as u32);
            if session.end <= session.start {
                violations.push(Violation::new(
                    Rule::ChairTime,
                    sequence,
                    "the session ends before it starts",
                ));
                continue;
            }
            let interval = Interval::new(session.start, session.end);
            for (rule, detail) in self.session_problems(protocol, session.chair, &interval) {
                violations.push(Violation::new(rule, sequence, detail));
            }
            for other in request.patient_sessions {
                if other.overlaps(&interval) {
                    violations.push(Violation::new(
                        Rule::PatientOverlap,
                        sequence,
                        format!("overlaps the patient's session at {}", other.start),
                    ));
                } else if local_date(zone, other.start) == local_date(zone, interval.start) {
                    violations.push(Violation::new(
                        Rule::OnePerDay,
                        sequence,
                        format!(
                            "the patient already has a session on {}",
                            local_date(zone, other.start)
                        ),
                    ));
                }
            }
        }
        let mut dates: Vec<NaiveDate> = request.standing.to_vec();
        dates.extend(sessions.iter().map(|s| local_date(zone, s.start)));
        dates.sort();
        match &phase.kind {
            PhaseKind::Series(rules) => {
                let mut with_previous = dates.clone();
                violations.extend(series_violations(rules, &dates));
                if let (Some(previous), Some(first)) = (request.previous_session, dates.first()) {
                    with_previous.insert(0, previous);
                    let gap = (*first - previous).num_days();
                    if gap < i64::from(rules.min_days_between)
                        || gap > i64::from(rules.max_days_between)
                    {
                        violations.push(Violation::new(
                            if gap < i64::from(rules.min_days_between) {
                                Rule::MinGap
                            } else {
                                Rule::MaxGap
                            },
                            Some(1),
                            format!(
                                "{gap} days after the previous phase; {}..={} required",
                                rules.min_days_between, rules.max_days_between
                            ),
                        ));
                    }
                }
            }
            PhaseKind::Boosters(rules) => {
                let policy = request.booster_policy.unwrap_or(&rules.default_policy);
                let mut previous = request.previous_session;
                for (i, date) in dates.iter().enumerate() {
                    let sequence = Some(i as u32 + 1);
                    if let Some(before) = previous {
                        let gap = (*date - before).num_days();
                        if gap < i64::from(policy.floor_days) {
                            violations.push(Violation::new(
                                Rule::BoosterFloor,
                                sequence,
                                format!(
                                    "{gap} days after the session before; floor is {}",
                                    policy.floor_days
                                ),
                            ));
                        } else if gap > i64::from(policy.ceiling_days) {
                            violations.push(Violation::new(
                                Rule::BoosterCeiling,
                                sequence,
                                format!(
                                    "{gap} days after the session before; ceiling is {}",
                                    policy.ceiling_days
                                ),
                            ));
                        }
                    }
                    previous = Some(*date);
                }
            }
        }
        Ok(violations)
    }

    /// The calendar rules one session at one chair breaks.
    fn session_problems(
        &self,
        protocol: &Protocol,
        chair_id: ChairId,
        interval: &Interval,
    ) -> Vec<(Rule, String)> {
        let mut problems = Vec::new();
        match self.calendar.chair(chair_id) {
            None => problems.push((Rule::UnknownChair, format!("chair {}", chair_id.0))),
            Some(chair) if !chair.active => {
                problems.push((Rule::ChairInactive, format!("chair {}", chair_id.0)))
            }
            Some(chair) if !chair.modalities.contains(&protocol.modality) => problems.push((
                Rule::ChairModality,
                format!(
                    "chair {} does not support {:?}",
                    chair_id.0, protocol.modality
                ),
            )),
            Some(_) => {}
        }
        let needed = protocol.chair_time.total();
        if interval.end - interval.start < needed {
            problems.push((
                Rule::ChairTime,
                format!(
                    "holds the chair {} min; the protocol needs {} min",
                    (interval.end - interval.start).num_minutes(),
                    needed.num_minutes()
                ),
            ));
        }
        let zone = self.calendar.zone;
        let date = local_date(zone, interval.start);
        if !self
            .opening_intervals(date)
            .iter()
            .any(|open| open.contains(interval))
        {
            problems.push((
                Rule::OpeningHours,
                format!(
                    "{} to {} local is outside opening hours",
                    to_local(zone, interval.start),
                    to_local(zone, interval.end)
                ),
            ));
        }
        if self.chair_closed(chair_id, interval) {
            problems.push((Rule::Closure, "a closure covers this time".to_string()));
        }
        if !self.occupancy.is_free(chair_id, interval) {
            problems.push((
                Rule::ChairTaken,
                format!("chair {} is taken at that time", chair_id.0),
            ));
        }
        let local_time = to_local(zone, interval.start).time();
        if !self.start_allowed(interval.start, local_time) {
            problems.push((
                Rule::StartsPerSlot,
                "the start slot is already at its cap".to_string(),
            ));
        }
        problems
    }
}
