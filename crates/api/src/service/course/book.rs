//! Booking a course: the engine plans its first phase (gates, one running
//! course per kind, a start that is not in the past); the store creates the
//! course and its sessions; the events are recorded like any decision's.

use chairside_engine::course::{book_course, hold_course, import_course, CourseRequest, Decision};
use chairside_engine::infeasible::ALTERNATIVE_SEARCH_DAYS;
use chairside_engine::ChairId;
use chairside_engine::{PhaseKind, Protocol};
use chairside_store::models as m;
use chairside_store::repo::courses::{Applied, NewCourse};
use chairside_store::repo::patients::WithCourses;
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, Utc};

use crate::auth::Caller;
use crate::dto::course::{CoursePlan, CourseView, PlanCourse};
use crate::error::ApiError;
use crate::service::course::record::{record, Written};
use crate::service::course::snapshot::{Snapshot, Window};
use crate::views;

/// Default window for the first session.
pub const DEFAULT_FIRST_WITHIN_DAYS: u32 = 28;

struct Planned {
    version: m::ProtocolVersion,
    decision: Decision,
    patient: m::Patient,
    clinic: m::Clinic,
}

/// The patient (with the preferences the request brings for this course)
/// with their courses, and the protocol's latest version that the request
/// names; one of another clinic is an unknown reference, named by its
/// field.
fn named_in_request(
    conn: &mut DbConnection,
    clinic_id: i64,
    request: &PlanCourse,
) -> Result<(WithCourses, m::ProtocolVersion), ApiError> {
    let mut whose =
        repo::patients::with_courses(conn, clinic_id, request.patient_id).map_err(|e| {
            ApiError::unknown_reference(
                e,
                "patient_id",
                format!("patient {} is not in this clinic", request.patient_id),
            )
        })?;
    let counted = whose.changes;
    let version =
        repo::protocols::latest_version_counted(conn, clinic_id, request.protocol_id, counted)
            .map_err(|e| {
                ApiError::unknown_reference(
                    e,
                    "protocol_id",
                    format!("protocol {} is not in this clinic", request.protocol_id),
                )
            })?;
    if let Some(preferences) = &request.preferences {
        preferences.validate()?;
        whose.patient.preferences = preferences.clone();
    }
    Ok((whose, version))
}

fn plan(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    request: &PlanCourse,
    now: DateTime<Utc>,
) -> Result<Planned, ApiError> {
    let (whose, version) = named_in_request(conn, clinic_id, request)?;
    let protocol: &Protocol = &version.definition;
    let within = request
        .first_within_days
        .unwrap_or(DEFAULT_FIRST_WITHIN_DAYS);
    let span = match protocol.phases.first().map(|p| &p.kind) {
        Some(PhaseKind::Series(rules)) => i64::from(rules.max_span_days),
        _ => 0,
    };
    // Load only what the plan can touch; only when it fails, load the year
    // ahead that the explanation's "earliest feasible date" searches.
    let short = i64::from(within.min(366)) + span + 1;
    let long = short + ALTERNATIVE_SEARCH_DAYS + 31;
    let mut attempt = |days: i64| -> Result<(Decision, m::Clinic), ApiError> {
        let window = Window {
            from: request.earliest,
            days,
        };
        let snapshot = Snapshot::load(conn, clinic_id, &whose, None, Some(window), now)?;
        let decision = snapshot.decide(caller.role, now, |at| {
            let course = CourseRequest {
                protocol,
                earliest: request.earliest,
                first_within_days: within,
            };
            match request.hold_minutes {
                Some(minutes) => hold_course(&course, at, minutes),
                None => book_course(&course, at),
            }
        })?;
        Ok((decision, snapshot.clinic))
    };
    let (decision, clinic) = match attempt(short) {
        Err(ApiError::Infeasible(_)) => attempt(long)?,
        other => other?,
    };
    Ok(Planned {
        version,
        decision,
        patient: whose.patient,
        clinic,
    })
}

/// The plan the engine would book, without booking it.
pub fn preview(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    request: &PlanCourse,
    now: DateTime<Utc>,
) -> Result<CoursePlan, ApiError> {
    let planned = plan(conn, caller, clinic_id, request, now)?;
    let zone = planned.clinic.time_zone;
    Ok(CoursePlan {
        phase: 0,
        protocol_revision: planned.version.revision,
        sessions: planned
            .decision
            .bookings
            .iter()
            .map(|s| views::planned(zone, s))
            .collect(),
    })
}

/// Books the first phase: the course, all its sessions, their events and
/// audit rows, in the caller's transaction.
pub fn book(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    request: &PlanCourse,
    now: DateTime<Utc>,
) -> Result<CourseView, ApiError> {
    let planned = plan(conn, caller, clinic_id, request, now)?;
    let (applied, zone) = persist(conn, caller, clinic_id, &planned)?;
    Ok(views::course(
        zone,
        &applied.course,
        planned.version.protocol_id,
        planned.version.revision,
        &applied.booked,
    ))
}

/// Writes a new course the engine decided: the course row with its state,
/// its sessions, events and audit rows.
fn persist(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    planned: &Planned,
) -> Result<(Applied, chrono_tz::Tz), ApiError> {
    let state = planned
        .decision
        .course
        .as_ref()
        .ok_or_else(|| ApiError::Internal("a booking decides the course's state".into()))?;
    let protocol = &planned.version.definition;
    let new = NewCourse {
        clinic_id,
        patient_id: planned.patient.id,
        protocol_version_id: planned.version.id,
        modality: protocol.modality,
        state,
    };
    let applied: Applied =
        repo::courses::book(conn, &new, protocol, &planned.decision, caller.actor())?;
    // Recorded as written: the course's state went into its new row.
    let decision = Decision {
        course: None,
        ..planned.decision.clone()
    };
    let zone = planned.clinic.time_zone;
    record(
        conn,
        caller,
        &Written {
            zone,
            decision: &decision,
            applied: &applied,
            before: &[],
            reason: None,
        },
    )?;
    Ok((applied, zone))
}

/// A course the previous system had booked (an import) for the patient
/// the caller read with their courses: its appointments (chair, start)
/// become the first sessions, the engine plans the rest
/// ([`import_course`]); answers the sessions written.
pub fn import(
    conn: &mut DbConnection,
    caller: &Caller,
    (clinic_id, whose, version): (i64, WithCourses, m::ProtocolVersion),
    appointments: &[(ChairId, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> Result<Vec<m::Session>, ApiError> {
    let today = now
        .with_timezone(&repo::clinics::get(conn, clinic_id)?.time_zone)
        .date_naive();
    let window = Window::planning(today, None);
    let snapshot = Snapshot::load(conn, clinic_id, &whose, None, Some(window), now)?;
    let decision = snapshot.decide(caller.role, now, |at| {
        import_course(&version.definition, appointments, at)
    })?;
    let planned = Planned {
        version,
        decision,
        patient: whose.patient,
        clinic: snapshot.clinic,
    };
    Ok(persist(conn, caller, clinic_id, &planned)?.0.booked)
}
