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
use crate::protocol::{BoosterPolicy, PhaseKind, Protocol, SeriesRules};
use crate::rules::{Rule, Violation};
use crate::series::series_violations;

/// A session as someone proposes it: a chair and a chair interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposedSession {
    pub chair: ChairId,
    /// Start of the chair interval.
    pub start: DateTime<Utc>,
    /// End of the chair interval.
    pub end: DateTime<Utc>,
}

/// What to validate.
#[derive(Clone, Copy, Debug)]
pub struct ValidationRequest<'r> {
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
        check_dates(request)?;
        let mut sessions = request.sessions.to_vec();
        sessions.sort_by_key(|s| s.start);
        let mut violations = Vec::new();
        for (i, session) in sessions.iter().enumerate() {
            let sequence = Some(i as u32 + 1 + request.standing.len() as u32);
            for (rule, detail) in self.calendar_problems(request, session) {
                violations.push(Violation::new(rule, sequence, detail));
            }
        }
        let zone = self.calendar.zone;
        let mut dates: Vec<NaiveDate> = request.standing.to_vec();
        dates.extend(sessions.iter().map(|s| local_date(zone, s.start)));
        dates.sort();
        match &phase.kind {
            PhaseKind::Series(rules) => {
                violations.extend(series_violations(rules, &dates));
                violations.extend(gap_after_previous_phase(
                    rules,
                    request.previous_session,
                    dates.first(),
                ));
            }
            PhaseKind::Boosters(rules) => {
                let policy = request.booster_policy.unwrap_or(&rules.default_policy);
                violations.extend(booster_spacing(policy, request.previous_session, &dates));
            }
        }
        Ok(violations)
    }

    /// The calendar's rules one proposed session breaks: its own length,
    /// its chair and time, and the patient's other sessions.
    fn calendar_problems(
        &self,
        request: &ValidationRequest,
        session: &ProposedSession,
    ) -> Vec<(Rule, String)> {
        if session.end <= session.start {
            return vec![(Rule::ChairTime, "the session ends before it starts".into())];
        }
        let interval = Interval::new(session.start, session.end);
        let mut problems = self.session_problems(request.protocol, session.chair, &interval);
        let zone = self.calendar.zone;
        for other in request.patient_sessions {
            if other.overlaps(&interval) {
                problems.push((
                    Rule::PatientOverlap,
                    format!("overlaps the patient's session at {}", other.start),
                ));
            } else if local_date(zone, other.start) == local_date(zone, interval.start) {
                problems.push((
                    Rule::OnePerDay,
                    format!(
                        "the patient already has a session on {}",
                        local_date(zone, other.start)
                    ),
                ));
            }
        }
        problems
    }

    /// Why the chair cannot host the protocol at all, if it cannot.
    fn chair_problem(&self, protocol: &Protocol, chair_id: ChairId) -> Option<(Rule, String)> {
        match self.calendar.chair(chair_id) {
            None => Some((Rule::UnknownChair, format!("chair {}", chair_id.0))),
            Some(chair) if !chair.active => {
                Some((Rule::ChairInactive, format!("chair {}", chair_id.0)))
            }
            Some(chair) if !chair.modalities.contains(&protocol.modality) => Some((
                Rule::ChairModality,
                format!(
                    "chair {} does not support {:?}",
                    chair_id.0, protocol.modality
                ),
            )),
            Some(_) => None,
        }
    }

    /// The calendar rules one session at one chair breaks.
    fn session_problems(
        &self,
        protocol: &Protocol,
        chair_id: ChairId,
        interval: &Interval,
    ) -> Vec<(Rule, String)> {
        let mut problems: Vec<(Rule, String)> =
            self.chair_problem(protocol, chair_id).into_iter().collect();
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
        problems.extend(self.staff_problem(protocol, interval));
        problems
    }

    /// Whether the staff on shift could cover one more session of the
    /// protocol in this interval.
    fn staff_problem(&self, protocol: &Protocol, interval: &Interval) -> Option<(Rule, String)> {
        // The staff the whole chair time asks for, even if the session as
        // proposed is shorter (that is another rule's problem).
        let asked =
            Interval::non_empty(interval.start, interval.start + protocol.chair_time.total())?;
        let coverage = self.coverage_around(&asked)?;
        let needs = self.calendar.staffing.needs_for(protocol);
        self.staff_shortfall(&coverage, interval.start, &protocol.chair_time, &needs)
            .err()
            .map(|short| (Rule::StaffCoverage, short.to_string()))
    }
}

/// Every date and instant of a request is one Chairside accepts.
fn check_dates(request: &ValidationRequest) -> Result<(), EngineError> {
    dates::check_all("standing", request.standing)?;
    if let Some(previous) = request.previous_session {
        dates::check("previous_session", previous)?;
    }
    for (i, session) in request.sessions.iter().enumerate() {
        dates::check_instant(&format!("sessions[{i}].start"), session.start)?;
        dates::check_instant(&format!("sessions[{i}].end"), session.end)?;
    }
    dates::check_intervals("patient_sessions", request.patient_sessions)
}

/// A series that follows another phase keeps the series' spacing from that
/// phase's last session to its own first.
fn gap_after_previous_phase(
    rules: &SeriesRules,
    previous: Option<NaiveDate>,
    first: Option<&NaiveDate>,
) -> Option<Violation> {
    let gap = (*first? - previous?).num_days();
    let rule = if gap < i64::from(rules.min_days_between) {
        Rule::MinGap
    } else if gap > i64::from(rules.max_days_between) {
        Rule::MaxGap
    } else {
        return None;
    };
    Some(Violation::new(
        rule,
        Some(1),
        format!(
            "{gap} days after the previous phase; {}..={} required",
            rules.min_days_between, rules.max_days_between
        ),
    ))
}

/// Each booster keeps the clinician's floor and ceiling from the session
/// before it.
fn booster_spacing(
    policy: &BoosterPolicy,
    mut previous: Option<NaiveDate>,
    dates: &[NaiveDate],
) -> Vec<Violation> {
    let mut violations = Vec::new();
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
    violations
}
