//! Courses: preview a plan, book the first phase, add one session.

use chairside_engine::{self as engine, PhaseRequest};
use chairside_store::models::{self as m, NewCourse};
use chairside_store::repo::courses::{CourseBooking, CourseFilter};
use chairside_store::{repo, DbConnection};

use crate::auth::Caller;
use crate::calendar::intervals;
use crate::dto::course::{CoursePlan, CourseView, PlanCourse};
use crate::dto::patient::Preferences;
use crate::error::ApiError;
use crate::service::{emit, horizon, load_book, protocols, session_payload, today};
use crate::views::{self, stored};

/// Default window for the first session.
pub const DEFAULT_FIRST_WITHIN_DAYS: u32 = 28;

struct Planned {
    protocol: m::Protocol,
    version: m::ProtocolVersion,
    engine: engine::Protocol,
    plan: engine::PhasePlan,
    zone: chrono_tz::Tz,
}

/// The gates before a first dose (domain rule 6): intake and consent; for
/// REMS protocols a certified site and an enrolled patient.
pub fn check_gates(
    patient: &m::Patient,
    protocol: &engine::Protocol,
    settings: &crate::dto::clinic::ClinicSettings,
) -> Result<(), ApiError> {
    if patient.intake_assessed_on.is_none() {
        return Err(ApiError::Gate {
            gate: "intake_assessed_on",
            detail: "the patient's intake assessment is not on file".into(),
        });
    }
    if !patient.consent_on_file {
        return Err(ApiError::Gate {
            gate: "consent_on_file",
            detail: "the patient's treatment consent is not on file".into(),
        });
    }
    if protocol.rems && !settings.rems_certified {
        return Err(ApiError::Gate {
            gate: "rems_certified",
            detail: "this site is not certified under the esketamine REMS".into(),
        });
    }
    if protocol.rems && patient.rems_enrolled_on.is_none() {
        return Err(ApiError::Gate {
            gate: "rems_enrolled_on",
            detail: "the patient is not enrolled in the esketamine REMS".into(),
        });
    }
    Ok(())
}

fn plan_first_phase(
    conn: &mut DbConnection,
    clinic_id: i64,
    request: &PlanCourse,
) -> Result<(Planned, m::Patient), ApiError> {
    let within = request
        .first_within_days
        .unwrap_or(DEFAULT_FIRST_WITHIN_DAYS);
    if within > 366 {
        return Err(ApiError::invalid_field("first_within_days", "at most 366"));
    }
    let patient = repo::patients::get(conn, clinic_id, request.patient_id).map_err(|e| {
        ApiError::unknown_reference(
            e,
            "patient_id",
            format!("patient {} is not in this clinic", request.patient_id),
        )
    })?;
    let (protocol, version, engine) = protocols::latest(conn, clinic_id, request.protocol_id)
        .map_err(|e| {
            ApiError::unknown_reference(
                e,
                "protocol_id",
                format!("protocol {} is not in this clinic", request.protocol_id),
            )
        })?;
    let span = match engine.phases.first().map(|p| &p.kind) {
        Some(engine::PhaseKind::Series(rules)) => i64::from(rules.max_span_days),
        _ => {
            return Err(ApiError::invalid_field(
                "protocol_id",
                "the protocol's first phase must be a series",
            ))
        }
    };
    let clinic = repo::clinics::get(conn, clinic_id)?;
    let zone = views::zone_of(&clinic)?;
    // Gates first: a patient who may not start gets that answer, not a plan.
    check_gates(&patient, &engine, &stored(&clinic.settings, "settings")?)?;
    let earliest = request.earliest.max(today(zone));
    let preferences: Preferences = match &request.preferences {
        Some(p) => p.clone(),
        None => stored(&patient.preferences, "preferences")?,
    };
    let preferences = engine::PatientPreferences::from(&preferences);
    // Load only what the plan can touch; only when it fails, load the year
    // ahead that the explanation's "earliest feasible date" searches.
    let short = i64::from(within) + span + 1;
    let long = short + engine::infeasible::ALTERNATIVE_SEARCH_DAYS + 31;
    let mut attempt = |days: i64| -> Result<engine::PhasePlan, ApiError> {
        let book = load_book(conn, clinic_id, earliest, days, &[])?;
        let (from, to) = horizon(zone, earliest, days)?;
        let own = repo::calendar::patient_live_sessions(conn, clinic_id, patient.id, from, to)?;
        let busy = intervals(&own);
        Ok(book.planner()?.plan_phase(&PhaseRequest {
            protocol: &engine,
            phase: 0,
            preferences: &preferences,
            earliest,
            first_within_days: within,
            patient_sessions: &busy,
            previous_session: None,
        })?)
    };
    let plan = match attempt(short) {
        Err(ApiError::Infeasible(_)) => attempt(long)?,
        other => other?,
    };
    Ok((
        Planned {
            protocol,
            version,
            engine,
            plan,
            zone,
        },
        patient,
    ))
}

/// The plan the engine would book, without booking it.
pub fn preview(
    conn: &mut DbConnection,
    clinic_id: i64,
    request: &PlanCourse,
) -> Result<CoursePlan, ApiError> {
    let (planned, _) = plan_first_phase(conn, clinic_id, request)?;
    Ok(CoursePlan {
        phase: 0,
        protocol_revision: planned.version.revision,
        sessions: planned
            .plan
            .sessions
            .iter()
            .map(|s| views::planned(planned.zone, 0, s))
            .collect(),
    })
}

/// Books the first phase: the course, all its sessions, an outbox event and
/// an audit row, in the caller's transaction.
pub fn book(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    request: &PlanCourse,
) -> Result<CourseView, ApiError> {
    let (planned, patient) = plan_first_phase(conn, clinic_id, request)?;
    let booster_policy = planned
        .engine
        .boosters()
        .map(|(_, rules)| serde_json::to_value(rules.default_policy).expect("serialises"));
    let sessions: Vec<m::PlannedSession> = planned
        .plan
        .sessions
        .iter()
        .map(|s| m::PlannedSession {
            phase_index: 0,
            sequence: s.sequence as i32,
            chair_id: s.chair.0,
            starts_at: s.start,
            ends_at: s.end,
        })
        .collect();
    let booked = repo::courses::book(
        conn,
        &CourseBooking {
            course: &NewCourse {
                clinic_id,
                patient_id: patient.id,
                protocol_version_id: planned.version.id,
                booster_policy,
            },
            sessions: &sessions,
            actor: caller.actor(),
            request_id: Some(caller.request_id.as_str()).filter(|r| !r.is_empty()),
        },
    )?;
    for session in &booked.sessions {
        emit(
            conn,
            clinic_id,
            "session.booked",
            booked.course.id,
            session_payload(planned.zone, session),
        )?;
    }
    views::course(
        planned.zone,
        &booked.course,
        planned.protocol.id,
        planned.version.revision,
        &booked.sessions,
    )
}

/// A course with its sessions.
pub fn get(
    conn: &mut DbConnection,
    clinic_id: i64,
    course_id: i64,
) -> Result<CourseView, ApiError> {
    let course = repo::courses::get(conn, clinic_id, course_id)?;
    view(conn, &course)
}

/// The view of a course row.
pub fn view(conn: &mut DbConnection, course: &m::Course) -> Result<CourseView, ApiError> {
    let clinic = repo::clinics::get(conn, course.clinic_id)?;
    let zone = views::zone_of(&clinic)?;
    let version = repo::protocols::get_version(conn, course.clinic_id, course.protocol_version_id)?;
    let sessions = repo::sessions::for_course(conn, course.clinic_id, course.id)?;
    views::course(
        zone,
        course,
        version.protocol_id,
        version.revision,
        &sessions,
    )
}

/// A page of courses.
pub fn list(
    conn: &mut DbConnection,
    clinic_id: i64,
    filter: &CourseFilter,
    page: m::PageRequest,
) -> Result<(Vec<CourseView>, Option<i64>), ApiError> {
    repo::clinics::get(conn, clinic_id)?;
    let rows = repo::courses::list(conn, clinic_id, filter, page)?;
    let items = rows
        .items
        .iter()
        .map(|c| view(conn, c))
        .collect::<Result<_, _>>()?;
    Ok((items, rows.next_after_id))
}
