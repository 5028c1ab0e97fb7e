//! Recording what happened at a session: the api loads the session, its
//! course's protocol and the clinic's settings, asks the engine's
//! [`chairside_engine::monitoring::record`] and keeps what it accepts.
//! Vitals are health information: audit rows and events name the session
//! and what changed, never the values.

use chairside_engine::course::{CourseRule, CourseSession, SessionId};
use chairside_engine::monitoring::recording::AtSession;
use chairside_engine::monitoring::{self, MonitoringChange, MonitoringRecord};
use chairside_engine::protocol::Protocol;
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::auth::Caller;
use crate::dto::monitoring::MonitoringView;
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::service::audit;

/// A session as the engine's rules read it, with its protocol.
struct Sitting {
    session: CourseSession,
    protocol: Protocol,
    course_id: i64,
}

fn sitting(conn: &mut DbConnection, clinic_id: i64, session_id: i64) -> Result<Sitting, ApiError> {
    let row = repo::sessions::get(conn, clinic_id, session_id)?;
    let course = repo::courses::get(conn, clinic_id, row.course_id)?;
    let version = repo::protocols::get_version(conn, clinic_id, course.protocol_version_id)?;
    let sessions = repo::sessions::for_course(conn, clinic_id, course.id)?;
    let engine = repo::courses::engine_course(conn, &course, version.definition, &sessions)?;
    let session = engine
        .session(SessionId(session_id))
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("session {session_id} not found")))?;
    Ok(Sitting {
        session,
        protocol: engine.protocol,
        course_id: course.id,
    })
}

fn view(
    clinic_id: i64,
    sitting: &Sitting,
    record: MonitoringRecord,
    limit: monitoring::BloodPressureLimit,
) -> MonitoringView {
    let warnings = monitoring::recording::warnings(&record, limit);
    let held = record.dose_held(limit);
    let session_id = sitting.session.id.0;
    MonitoringView {
        session_id,
        earliest_discharge: monitoring::earliest_discharge(&sitting.protocol, &record),
        not_dosed: held.then(|| format!("/v1/clinics/{clinic_id}/sessions/{session_id}/not-dosed")),
        warnings,
        record,
    }
}

/// What was recorded at a session (empty until something is).
pub fn get(
    conn: &mut DbConnection,
    clinic_id: i64,
    session_id: i64,
) -> Result<MonitoringView, ApiError> {
    let clinic = repo::clinics::get(conn, clinic_id)?;
    let sitting = sitting(conn, clinic_id, session_id)?;
    let record = repo::monitoring::get(conn, clinic_id, session_id)?
        .map(|m| m.record)
        .unwrap_or_default();
    Ok(view(
        clinic_id,
        &sitting,
        record,
        clinic.settings.blood_pressure_limit,
    ))
}

/// Records `change` if the engine's rules allow it and `If-Match` is the
/// record's current ETag.
pub fn record(
    conn: &mut DbConnection,
    caller: &Caller,
    (clinic_id, session_id): (i64, i64),
    if_match: &IfMatch,
    change: &MonitoringChange,
    now: DateTime<Utc>,
) -> Result<MonitoringView, ApiError> {
    let clinic = repo::clinics::get(conn, clinic_id)?;
    let limit = clinic.settings.blood_pressure_limit;
    let sitting = sitting(conn, clinic_id, session_id)?;
    let stored = repo::monitoring::get(conn, clinic_id, session_id)?;
    let current = stored
        .as_ref()
        .map(|m| m.record.clone())
        .unwrap_or_default();
    if_match.check(&view(clinic_id, &sitting, current.clone(), limit))?;
    if let Some(staff) = change.monitored_by {
        repo::staff::get(conn, clinic_id, staff.0).map_err(|_| {
            ApiError::invalid_field("monitored_by", "is not a staff member of this clinic")
        })?;
    }
    let at = AtSession {
        zone: clinic.time_zone,
        session: &sitting.session,
        protocol: &sitting.protocol,
        settings: &clinic.settings,
        actor: caller.role,
        now,
    };
    let recorded = monitoring::record(at, &current, change)?;
    repo::monitoring::save(
        conn,
        clinic_id,
        session_id,
        stored.map(|m| m.version),
        &recorded.record,
    )?;
    let changed: Vec<&str> = changed_parts(change);
    let over_limit = recorded
        .warnings
        .iter()
        .any(|w| w.rule == CourseRule::BloodPressureLimit);
    audit(
        conn,
        caller,
        Some(clinic_id),
        "session.monitoring_recorded",
        "session",
        Some(session_id),
        None,
        Some(
            json!({ "course_id": sitting.course_id, "recorded": changed, "blood_pressure_above_limit": over_limit }),
        ),
    )?;
    // A late arrival or a late dose moves the chair's end now: say so at
    // once rather than at the worker's next sweep.
    crate::service::overruns::announce(conn, clinic_id, now)?;
    Ok(view(clinic_id, &sitting, recorded.record, limit))
}

/// The parts of the record a change touches (names only, for the audit).
fn changed_parts(change: &MonitoringChange) -> Vec<&'static str> {
    [
        ("arrived_at", change.arrived_at.is_some()),
        ("dose_started_at", change.dose_started_at.is_some()),
        ("dose_ended_at", change.dose_ended_at.is_some()),
        ("dose", change.dose.is_some()),
        ("blood_pressure", !change.blood_pressure.is_empty()),
        ("observations", change.observations.is_some()),
        (
            "dosed_despite_blood_pressure",
            change.dosed_despite_blood_pressure.is_some(),
        ),
        ("monitored_by", change.monitored_by.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, given)| given.then_some(name))
    .collect()
}
