//! Chairside's records as FHIR R4 resources (JSON). Ids and times only, as
//! everywhere Chairside speaks to other systems: a patient is named by the
//! clinic's own reference (`identifier`), never by name; a chair is a
//! `Location`; a session an `Appointment`; a course a `CarePlan`.

use chairside_engine::course::SessionStatus;
use chairside_engine::protocol::{PhaseKind, Protocol};
use chairside_store::models as m;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

/// The identifier system for a clinic's own patient references.
pub fn patient_identifier_system(clinic_id: i64) -> String {
    format!("urn:chairside:clinic:{clinic_id}:patient")
}

/// An instant as FHIR writes it (`instant`/`dateTime`, UTC, seconds).
pub fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A session's status in FHIR's `Appointment.status` (domain: vocabulary):
/// *not dosed* has no code of its own; it is `fulfilled`, and the
/// appointment's `comment` says the patient was not treated.
pub fn appointment_status(status: SessionStatus) -> &'static str {
    match status {
        SessionStatus::Booked => "booked",
        SessionStatus::CheckedIn => "checked-in",
        SessionStatus::Completed | SessionStatus::NotDosed => "fulfilled",
        SessionStatus::Cancelled => "cancelled",
        SessionStatus::NoShow => "noshow",
        SessionStatus::EnteredInError => "entered-in-error",
    }
}

/// The session statuses a FHIR `Appointment.status` search names.
pub fn statuses_for(code: &str) -> Option<Vec<SessionStatus>> {
    Some(match code {
        "booked" => vec![SessionStatus::Booked],
        "checked-in" | "arrived" => vec![SessionStatus::CheckedIn],
        "fulfilled" => vec![SessionStatus::Completed, SessionStatus::NotDosed],
        "cancelled" => vec![SessionStatus::Cancelled],
        "noshow" => vec![SessionStatus::NoShow],
        "entered-in-error" => vec![SessionStatus::EnteredInError],
        _ => return None,
    })
}

/// A session as an `Appointment`; one of a course held for a portal
/// (`held`) is `pending`: the patient has not confirmed it yet.
pub fn appointment(session: &m::Session, patient: &m::Patient, held: bool) -> Value {
    let status = if held && session.status == SessionStatus::Booked {
        "pending"
    } else {
        appointment_status(session.status)
    };
    let mut appointment = json!({
        "resourceType": "Appointment",
        "id": session.id.to_string(),
        "meta": { "versionId": session.version.to_string(), "lastUpdated": instant(session.updated_at) },
        "status": status,
        "start": instant(session.starts_at),
        "end": instant(session.ends_at),
        "minutesDuration": (session.ends_at - session.starts_at).num_minutes(),
        "basedOn": [{ "reference": format!("CarePlan/{}", session.course_id) }],
        "participant": [
            {
                "actor": {
                    "reference": format!("Patient/{}", patient.id),
                    "identifier": { "system": patient_identifier_system(patient.clinic_id), "value": patient.external_ref }
                },
                "required": "required",
                "status": "accepted"
            },
            {
                "actor": { "reference": format!("Location/chair-{}", session.chair_id) },
                "required": "required",
                "status": "accepted"
            }
        ]
    });
    if session.status == SessionStatus::NotDosed {
        appointment["comment"] = json!("not dosed: the patient attended and was not treated");
    }
    appointment
}

/// A chair's schedule (`Schedule/chair-{id}`), or the clinic's
/// (`Schedule/clinic-{id}`).
pub fn schedule(clinic: &m::Clinic, chair: Option<&m::Chair>) -> Value {
    let (id, actor, active, comment) = match chair {
        Some(c) => (
            format!("chair-{}", c.id),
            format!("Location/chair-{}", c.id),
            c.active,
            format!("chair {}", c.label),
        ),
        None => (
            format!("clinic-{}", clinic.id),
            format!("Location/clinic-{}", clinic.id),
            true,
            "every chair of the clinic".to_string(),
        ),
    };
    json!({
        "resourceType": "Schedule",
        "id": id,
        "active": active,
        "actor": [{ "reference": actor }],
        "comment": comment
    })
}

/// A span of a schedule, free or busy.
pub fn slot(schedule_id: &str, start: DateTime<Utc>, end: DateTime<Utc>, free: bool) -> Value {
    json!({
        "resourceType": "Slot",
        "id": format!("{schedule_id}-{}-{}", start.timestamp(), end.timestamp()),
        "schedule": { "reference": format!("Schedule/{schedule_id}") },
        "status": if free { "free" } else { "busy" },
        "start": instant(start),
        "end": instant(end)
    })
}

/// A course as a `CarePlan`: one activity per phase, its rule as
/// `Timing.repeat`, and one per session referencing its appointment.
pub fn care_plan(
    course: &m::Course,
    protocol: &Protocol,
    sessions: &[m::Session],
    patient: &m::Patient,
) -> Value {
    let phases = protocol.phases.iter().enumerate().map(|(i, phase)| {
        let repeat = match &phase.kind {
            PhaseKind::Series(rules) => json!({
                "count": rules.sessions,
                "frequency": 1,
                "period": rules.min_days_between,
                "periodMax": rules.max_days_between,
                "periodUnit": "d",
                "boundsDuration": { "value": rules.max_span_days, "unit": "d", "system": "http://unitsofmeasure.org", "code": "d" }
            }),
            PhaseKind::Boosters(rules) => {
                let policy = course.booster_policy.unwrap_or(rules.default_policy);
                json!({
                    "frequency": 1,
                    "period": policy.floor_days,
                    "periodMax": policy.ceiling_days,
                    "periodUnit": "d"
                })
            }
        };
        let status = match (i as i32).cmp(&course.current_phase) {
            std::cmp::Ordering::Less => "completed",
            std::cmp::Ordering::Equal => "in-progress",
            std::cmp::Ordering::Greater => "not-started",
        };
        json!({ "detail": {
            "kind": "Appointment",
            "code": { "text": phase.name },
            "status": status,
            "scheduledTiming": { "repeat": repeat }
        }})
    });
    let visits = sessions
        .iter()
        .map(|s| json!({ "reference": { "reference": format!("Appointment/{}", s.id) } }));
    json!({
        "resourceType": "CarePlan",
        "id": course.id.to_string(),
        "meta": { "versionId": course.version.to_string(), "lastUpdated": instant(course.updated_at) },
        "status": care_plan_status(course.status),
        "intent": "plan",
        "title": protocol.name,
        "subject": {
            "reference": format!("Patient/{}", patient.id),
            "identifier": { "system": patient_identifier_system(patient.clinic_id), "value": patient.external_ref }
        },
        "created": instant(course.created_at),
        "activity": phases.chain(visits).collect::<Vec<_>>()
    })
}

fn care_plan_status(status: chairside_engine::course::CourseStatus) -> &'static str {
    use chairside_engine::course::CourseStatus as C;
    match status {
        C::Active => "active",
        C::Paused => "on-hold",
        C::Completed => "completed",
        C::Ceased => "revoked",
    }
}
