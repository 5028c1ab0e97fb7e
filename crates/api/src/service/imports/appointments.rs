//! Appointments the old system had booked. A patient's appointments on one
//! protocol make a new course (the engine's `import_course`: each checked
//! as a time chosen by hand, the rest of the series planned after them);
//! with a course of that kind already running they are added to it, one by
//! one, as the desk would. Each keeps the old system's id, so a second
//! import books nothing twice.

use std::collections::BTreeMap;

use chairside_engine::course::{running_course_of_kind, Action};
use chairside_engine::{resolve_local, ChairId, Disambiguation};
use chairside_store::models::{Chair, Patient};
use chairside_store::repo::patients::WithCourses;
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::auth::Caller;
use crate::dto::import::{AppointmentRow, ImportCounts, ImportProblem};
use crate::error::ApiError;
use crate::service::course::snapshot::other_courses;
use crate::service::course::{act, book};
use crate::service::protocols;

/// An appointment read and resolved: its row, chair and start.
struct Wanted<'r> {
    row: usize,
    external_id: &'r str,
    chair: ChairId,
    start: DateTime<Utc>,
}

/// Imports the appointment rows, grouped by patient and protocol; their
/// problems are returned, each row's outcome counted.
pub fn import(
    conn: &mut DbConnection,
    caller: &Caller,
    (clinic_id, zone): (i64, Tz),
    (chairs, patients): (&[Chair], &std::collections::HashMap<String, Patient>),
    rows: &[(usize, AppointmentRow)],
    (counts, now): (&mut ImportCounts, DateTime<Utc>),
) -> Result<Vec<ImportProblem>, ApiError> {
    let mut problems = Vec::new();
    let mut groups: BTreeMap<(String, String), Vec<Wanted>> = BTreeMap::new();
    for (number, row) in rows {
        match wanted(conn, clinic_id, zone, chairs, *number, row) {
            Ok(Some(w)) => groups
                .entry((row.patient.clone(), row.protocol.clone()))
                .or_default()
                .push(w),
            Ok(None) => counts.unchanged += 1,
            Err(e) => problems.push(super::problem(*number, e)?),
        }
    }
    for ((patient, protocol), wanted) in groups {
        match book_group(
            conn,
            caller,
            clinic_id,
            patients.get(&patient),
            &protocol,
            &wanted,
            now,
        ) {
            Ok(()) => counts.created += wanted.len(),
            Err(e) => {
                let first = super::problem(wanted[0].row, e)?;
                for w in &wanted {
                    problems.push(ImportProblem {
                        row: w.row,
                        ..first.clone()
                    });
                }
            }
        }
    }
    Ok(problems)
}

/// The row resolved, or `None` when the old system's id was imported
/// before.
fn wanted<'r>(
    conn: &mut DbConnection,
    clinic_id: i64,
    zone: Tz,
    chairs: &[Chair],
    row_number: usize,
    row: &'r AppointmentRow,
) -> Result<Option<Wanted<'r>>, ApiError> {
    let external_id = row.external_id.trim();
    if external_id.is_empty() || external_id.len() > 100 {
        return Err(ApiError::invalid_field(
            "external_id",
            "1 to 100 characters",
        ));
    }
    if repo::imported::external_id_taken(conn, clinic_id, external_id)? {
        return Ok(None);
    }
    let chair = super::chair_named(chairs, row.chair.as_ref(), row.chair_id)?
        .ok_or_else(|| ApiError::invalid_field("chair", "an appointment names its chair"))?;
    let start = match DateTime::parse_from_rfc3339(&row.start) {
        Ok(t) => t.with_timezone(&Utc),
        Err(_) => {
            let local = chairside_engine::wall_clock::parse_local(&row.start).ok_or_else(|| {
                ApiError::invalid_field(
                    "start",
                    "an instant with an offset or a clinic-local date-time",
                )
            })?;
            resolve_local(zone, local, Disambiguation::Reject)
                .map_err(|e| ApiError::invalid_field("start", e.to_string()))?
        }
    };
    Ok(Some(Wanted {
        row: row_number,
        external_id,
        chair: ChairId(chair),
        start,
    }))
}

/// Adds each appointment to the patient's running course, as the desk
/// would add a session at a chosen time.
fn add_to_running(
    conn: &mut DbConnection,
    caller: &Caller,
    (clinic_id, course_id): (i64, i64),
    wanted: &[Wanted],
    now: DateTime<Utc>,
) -> Result<Vec<chairside_store::models::Session>, ApiError> {
    let mut booked = Vec::new();
    for w in wanted {
        let add = Action::AddSession {
            chair: Some(w.chair),
            start: w.start,
            override_reason: None,
        };
        let acted = act(
            conn,
            caller,
            clinic_id,
            course_id,
            &add,
            now,
            |_, _, _, _| Ok(()),
        )?;
        booked.extend(acted.applied.booked);
    }
    Ok(booked)
}

/// Books one patient's appointments on one protocol, keeping their ids.
fn book_group(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    patient: Option<&Patient>,
    protocol_code: &str,
    wanted: &[Wanted],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let patient = patient.cloned().ok_or_else(|| {
        ApiError::invalid_field(
            "patient",
            "no patient has this external_ref (import patients first, or in the same file)",
        )
    })?;
    let version = protocols::by_code(conn, clinic_id, protocol_code).map_err(|_| {
        ApiError::invalid_field(
            "protocol",
            format!("no protocol has the code {protocol_code:?}"),
        )
    })?;
    let courses = repo::courses::of_patient(conn, clinic_id, patient.id)?;
    // One course of a kind runs at a time: an appointment of its kind
    // joins it (the engine's rule), else starts one.
    let running = running_course_of_kind(
        &other_courses(&courses, None),
        version.definition.modality,
        None,
    )
    .map(|c| c.id);
    let booked = match running {
        Some(course) => add_to_running(conn, caller, (clinic_id, course), wanted, now)?,
        None => {
            let appointments: Vec<_> = wanted.iter().map(|w| (w.chair, w.start)).collect();
            // Rows of this import were written since: the count is read
            // again when planning.
            let whose = WithCourses {
                patient,
                courses,
                changes: None,
            };
            book::import(
                conn,
                caller,
                (clinic_id, whose, version),
                &appointments,
                now,
            )?
        }
    };
    for w in wanted {
        let session = booked
            .iter()
            .find(|s| s.chair_id == w.chair.0 && s.starts_at == w.start)
            .ok_or_else(|| ApiError::Internal("an imported appointment was not booked".into()))?;
        repo::imported::set_external_id(conn, clinic_id, session.id, w.external_id)?;
    }
    Ok(())
}
