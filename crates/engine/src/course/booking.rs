//! Starting a course: the gates before the first dose pass, no other course
//! of the same kind runs for the patient, and the first phase (a series) is
//! planned exactly from a date that is not in the past.

use chrono::{DateTime, NaiveDate, Utc};

use crate::calendar::ChairId;
use crate::course::decision::{CourseEvent, Decision, NewSession, Placement, SessionRef};
use crate::course::draft::{state, Draft};
use crate::course::guards::dose_gates;
use crate::course::lifecycle::{already_running, running_course_of_kind};
use crate::course::model::Course;
use crate::course::moves::judge;
use crate::course::settle::settle;
use crate::course::situation::Situation;
use crate::course::status::CourseStatus;
use crate::error::EngineError;
use crate::local_time::{local_date, to_local};
use crate::plan::{PhaseRequest, PlannedSession, MAX_FIRST_WITHIN_DAYS};
use crate::protocol::{PhaseKind, Protocol};

/// A new course to plan.
#[derive(Clone, Copy, Debug)]
pub struct CourseRequest<'r> {
    /// The protocol revision the course follows.
    pub protocol: &'r Protocol,
    /// No session before this clinic-local date (today at the earliest).
    pub earliest: NaiveDate,
    /// The first session within this many days of `earliest`.
    pub first_within_days: u32,
}

/// Plans a new course's first phase: the decision books every session of
/// it (the course itself is created with [`Decision::course`]'s state).
/// The situation's patient preferences are the ones planned for.
pub fn book_course(request: &CourseRequest, at: &Situation) -> Result<Decision, EngineError> {
    may_start(request, at)?;
    let plan = at.planner.plan_phase(&PhaseRequest {
        protocol: request.protocol,
        phase: 0,
        preferences: &at.patient.preferences,
        earliest: request.earliest,
        first_within_days: request.first_within_days,
        patient_sessions: at.elsewhere,
        previous_session: None,
    })?;
    Ok(first_phase_booked(request.protocol, &plan.sessions))
}

/// A course may start: its protocol opens with a series, the request is
/// sound, the gates pass, no course of the kind runs, and it starts no
/// earlier than today.
fn may_start(request: &CourseRequest, at: &Situation) -> Result<(), EngineError> {
    let protocol = request.protocol;
    if !matches!(
        protocol.phases.first().map(|p| &p.kind),
        Some(PhaseKind::Series(_))
    ) {
        return Err(EngineError::invalid(
            "protocol_id",
            "the protocol's first phase must be a series",
        ));
    }
    if request.first_within_days > MAX_FIRST_WITHIN_DAYS {
        return Err(EngineError::invalid(
            "first_within_days",
            format!("at most {MAX_FIRST_WITHIN_DAYS}"),
        ));
    }
    // Gates first: a patient who may not start gets that answer, not a plan.
    dose_gates(at.patient, protocol, at.settings)?;
    if let Some(other) = running_course_of_kind(at.other_courses, protocol.modality, None) {
        return Err(already_running(other, protocol.modality));
    }
    let today = at.today();
    if request.earliest < today {
        return Err(EngineError::invalid(
            "earliest",
            format!(
                "{} is in the past: today is {today} in clinic time",
                request.earliest
            ),
        ));
    }
    Ok(())
}

/// The decision that creates the course, active in its first phase, with
/// every planned session booked.
fn first_phase_booked(protocol: &Protocol, planned: &[PlannedSession]) -> Decision {
    let course = new_course(protocol);
    let mut events = vec![CourseEvent::CourseBooked];
    events.extend((0..planned.len()).map(|i| CourseEvent::SessionBooked(SessionRef::New(i))));
    Decision {
        bookings: planned
            .iter()
            .map(|s| NewSession {
                phase: 0,
                sequence: s.sequence,
                placement: Placement {
                    chair: s.chair,
                    start: s.start,
                    end: s.end,
                },
            })
            .collect(),
        course: Some(state(&course)),
        events,
        ..Decision::default()
    }
}

/// A course the previous system had already booked (a clinic moving in):
/// its `appointments` (chair and start) become the first phase's first
/// sessions, each checked as a time chosen by hand is — the calendar's
/// rules and the protocol's spacing, no override — and the rest of the
/// phase is planned after them inside its rules, as after any miss.
pub fn import_course(
    protocol: &Protocol,
    appointments: &[(ChairId, DateTime<Utc>)],
    at: &Situation,
) -> Result<Decision, EngineError> {
    let mut sorted = appointments.to_vec();
    sorted.sort_by_key(|(_, start)| *start);
    let Some(&(_, first)) = sorted.first() else {
        return Err(EngineError::invalid("appointments", "at least one"));
    };
    let request = CourseRequest {
        protocol,
        earliest: local_date(at.zone(), first),
        first_within_days: 0,
    };
    may_start(&request, at)?;
    if let Some(PhaseKind::Series(rules)) = protocol.phases.first().map(|p| &p.kind) {
        if sorted.len() > usize::try_from(rules.sessions).unwrap_or(0) {
            return Err(EngineError::invalid(
                "appointments",
                format!("the first phase holds {} sessions", rules.sessions),
            ));
        }
    }
    let course = new_course(protocol);
    let mut draft = Draft::new(&course, at);
    draft.event(CourseEvent::CourseBooked);
    for (chair, start) in sorted {
        let placement = judge(&mut draft, 0, Some(chair), start, None, None)?;
        draft.book(
            0,
            &PlannedSession {
                sequence: 0,
                chair: placement.chair,
                start: placement.start,
                end: placement.end,
                local_date: local_date(at.zone(), placement.start),
                local_time: to_local(at.zone(), placement.start).time(),
            },
        );
    }
    settle(&mut draft, at.tomorrow())?;
    let mut decision = draft.finish();
    decision.course.get_or_insert_with(|| state(&course));
    Ok(decision)
}

/// A new course on `protocol`, active in its first phase, with no session.
fn new_course(protocol: &Protocol) -> Course {
    Course {
        id: 0,
        patient: 0,
        protocol: protocol.clone(),
        status: CourseStatus::Active,
        phase: 0,
        series_started_at: None,
        booster_policy: protocol.boosters().map(|(_, r)| r.default_policy),
        at_risk: None,
        extension_accepted: false,
        held_until: None,
        sessions: Vec::new(),
    }
}
