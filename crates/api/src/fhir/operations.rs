//! The IHE ITI Scheduling operations where they fit a course:
//! `Appointment/$find` proposes other times for a course's next session —
//! on the day the course's own "next best" picks (its own day when it is
//! already at its best), each free covered chair-start the course's rules
//! accept — and `Appointment/$book` books one
//! of them, which is the REST API's reschedule of that session (the same
//! decision, rules, history, events and audit).

use actix_web::{web, HttpRequest, HttpResponse};
use chairside_engine::course::{Action, SessionId, SessionStatus, Target};
use chairside_engine::{AvailabilityRequest, ChairId, OpenStart, Planner, Protocol, Role};
use chairside_store::models as m;
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::auth::FhirReader;
use crate::error::ApiError;
use crate::fhir::bundle;
use crate::fhir::outcome::{fhir_ok, FhirError};
use crate::fhir::resources::{appointment, instant, patient_identifier_system};
use crate::fhir::search::Params;
use crate::routes::{read as read_db, write_replanning};
use crate::service::course::act;
use crate::service::course::act::Asking;
use crate::service::horizon;
use crate::state::AppState;

/// The identifier system that names the session a proposal would move.
pub const SESSION_SYSTEM: &str = "urn:chairside:session";

/// Why a booked time moves through `$book`, in its history.
const REASON: &str = "booked through FHIR Appointment/$book";

/// The course's next booked session still to come.
fn next_session(sessions: &[m::Session], now: DateTime<Utc>) -> Option<&m::Session> {
    sessions
        .iter()
        .filter(|s| s.status == SessionStatus::Booked && s.starts_at > now)
        .min_by_key(|s| (s.starts_at, s.id))
}

fn move_to(session: i64, to: Target) -> Action {
    Action::Reschedule {
        session: SessionId(session),
        to,
        reason: REASON.to_string(),
        override_reason: None,
    }
}

/// A proposed appointment: the session `next` at `start` on `chair`.
fn proposal(
    next: &m::Session,
    patient: &m::Patient,
    chair: ChairId,
    start: DateTime<Utc>,
) -> Value {
    let end = start + (next.ends_at - next.starts_at);
    json!({
        "resourceType": "Appointment",
        "status": "proposed",
        "identifier": [{ "system": SESSION_SYSTEM, "value": next.id.to_string() }],
        "start": instant(start),
        "end": instant(end),
        "basedOn": [{ "reference": format!("CarePlan/{}", next.course_id) }],
        "participant": [
            {
                "actor": {
                    "reference": format!("Patient/{}", patient.id),
                    "identifier": { "system": patient_identifier_system(patient.clinic_id), "value": patient.external_ref }
                },
                "required": "required",
                "status": "needs-action"
            },
            { "actor": { "reference": format!("Location/chair-{}", chair.0) }, "required": "required", "status": "needs-action" }
        ]
    })
}

/// The day to offer `next` on: the one the course's own next best picks;
/// where it stays put (it is already at its best), its own day.
fn day_to_offer(
    asking: &Asking,
    next: &m::Session,
    zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<NaiveDate, ApiError> {
    let today = now.with_timezone(&zone).date_naive();
    let next_best = move_to(
        next.id,
        Target::NextBest {
            not_before: Some(today),
        },
    );
    let best = match asking.answer(&next_best, Role::FrontDesk, now)? {
        Ok(decision) => decision
            .updates
            .iter()
            .find(|u| u.session.0 == next.id)
            .and_then(|u| u.placement)
            .map_or(next.starts_at, |p| p.start),
        Err(_) => next.starts_at,
    };
    Ok(best.with_timezone(&zone).date_naive())
}

/// Every open start on `day` for the protocol, others' sessions counted.
fn open_on(
    conn: &mut DbConnection,
    (clinic, course_id): (i64, i64),
    protocol: &Protocol,
    (zone, day): (chrono_tz::Tz, NaiveDate),
    now: DateTime<Utc>,
) -> Result<Vec<OpenStart>, ApiError> {
    let (from, to) = horizon(zone, day, 0)?;
    let book = repo::calendar::snapshot(conn, clinic, from, to)?;
    let (calendar, occupancy) = (
        book.calendar(),
        book.occupancy_without(Some(course_id), now),
    );
    Ok(
        Planner::new(&calendar, &occupancy)?.availability(&AvailabilityRequest {
            modality: protocol.modality,
            chair_time: protocol.chair_time,
            from: day,
            to: day,
            staffing: protocol.staffing.clone(),
        })?,
    )
}

/// The proposals for course `course_id`'s next session, at most `count`.
fn proposals(
    conn: &mut DbConnection,
    clinic: i64,
    course_id: i64,
    count: usize,
    now: DateTime<Utc>,
) -> Result<Vec<Value>, ApiError> {
    let course = repo::courses::get(conn, clinic, course_id)?;
    let sessions = repo::sessions::for_course(conn, clinic, course_id)?;
    let Some(next) = next_session(&sessions, now) else {
        return Ok(Vec::new());
    };
    let zone = repo::clinics::get(conn, clinic)?.time_zone;
    let probe = move_to(next.id, Target::NextBest { not_before: None });
    let asking = Asking::load(conn, clinic, course_id, &probe, now, |_, _, _, _| Ok(()))?;
    let day = day_to_offer(&asking, next, zone, now)?;
    let open = open_on(
        conn,
        (clinic, course_id),
        asking.protocol(),
        (zone, day),
        now,
    )?;
    let patient = repo::patients::get(conn, clinic, course.patient_id)?;
    let current = (ChairId(next.chair_id), next.starts_at);
    let mut found = Vec::new();
    for slot in open
        .iter()
        .filter(|o| o.start > now && (o.chair, o.start) != current)
    {
        let at = Target::At {
            chair: Some(slot.chair),
            start: slot.start,
        };
        if asking
            .answer(&move_to(next.id, at), Role::FrontDesk, now)?
            .is_ok()
        {
            found.push(proposal(next, &patient, slot.chair, slot.start));
            if found.len() == count {
                break;
            }
        }
    }
    Ok(found)
}

/// `GET /fhir/r4/Appointment/$find?careplan=CarePlan/<id>&_count=`.
pub async fn find(
    reader: FhirReader,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, FhirError> {
    let params = Params::parse(req.query_string(), &["careplan"])?;
    let course = params
        .reference("careplan", "CarePlan/")?
        .ok_or_else(|| FhirError::invalid("careplan", "required: CarePlan/<id>"))?;
    let count = usize::try_from(params.count()?.min(20)).unwrap_or(20);
    let (clinic, now) = (reader.clinic_id, state.clock.now());
    let found = read_db(&state, move |conn| {
        proposals(conn, clinic, course, count, now)
    })
    .await?;
    Ok(fhir_ok(&bundle(&req, found, None)))
}

/// What a `$book` asks: the session to move, where and when.
struct Booking {
    session: i64,
    chair: Option<ChairId>,
    start: DateTime<Utc>,
}

/// Reads a proposed `Appointment` (or a `Parameters` holding one as its
/// `appointment`).
fn booking(body: &Value) -> Result<Booking, FhirError> {
    let appointment = match body["resourceType"].as_str() {
        Some("Appointment") => body,
        Some("Parameters") => body["parameter"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "appointment"))
            .map(|p| &p["resource"])
            .ok_or_else(|| {
                FhirError::invalid(
                    "parameter",
                    "give the proposed appointment as `appointment`",
                )
            })?,
        _ => {
            return Err(FhirError::invalid(
                "resourceType",
                "an Appointment or Parameters",
            ))
        }
    };
    let session = appointment["identifier"]
        .as_array()
        .and_then(|ids| ids.iter().find(|i| i["system"] == SESSION_SYSTEM))
        .and_then(|i| i["value"].as_str())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            FhirError::invalid(
                "identifier",
                format!("the {SESSION_SYSTEM} identifier $find gave"),
            )
        })?;
    let start = appointment["start"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|s| s.with_timezone(&Utc))
        .ok_or_else(|| FhirError::invalid("start", "an instant"))?;
    let chair = appointment["participant"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["actor"]["reference"].as_str())
        .find_map(|r| r.strip_prefix("Location/chair-"))
        .and_then(|c| c.parse().ok())
        .map(ChairId);
    Ok(Booking {
        session,
        chair,
        start,
    })
}

/// `POST /fhir/r4/Appointment/$book`: books a proposal — the REST API's
/// reschedule of the session it names. Answers the appointment as booked.
pub async fn book(
    reader: FhirReader,
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, FhirError> {
    if !matches!(reader.role, Role::Admin | Role::Clinician | Role::FrontDesk) {
        return Err(FhirError(ApiError::Forbidden(
            "booking needs an admin, clinician or front-desk key".into(),
        )));
    }
    let encoding = crate::body::Encoding::of(&req).map_err(FhirError)?;
    let limit = state.settings.max_body_bytes;
    let body = crate::body::read_limited(payload, encoding, limit)
        .await
        .map_err(FhirError)?;
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| FhirError(ApiError::bad_field("body", format!("not JSON: {e}"))))?;
    let wanted = booking(&body)?;
    let caller = reader.caller();
    let (clinic, now) = (reader.clinic_id, state.clock.now());
    let booked = write_replanning(&state, clinic, move |conn| {
        let session = repo::sessions::get(conn, clinic, wanted.session)?;
        let to = Target::At {
            chair: wanted.chair,
            start: wanted.start,
        };
        act(
            conn,
            &caller,
            clinic,
            session.course_id,
            &move_to(session.id, to),
            now,
            |_, _, _, _| Ok(()),
        )?;
        let moved = repo::sessions::get(conn, clinic, session.id)?;
        let patient = repo::patients::get(conn, clinic, moved.patient_id)?;
        Ok(appointment(&moved, &patient, false))
    })
    .await?;
    Ok(fhir_ok(&booked))
}
