//! The use cases. Each runs in one store transaction: load the snapshot,
//! ask the engine, write the change with its audit row and outbox event.
//! They are blocking functions; routes call them through `web::block`.

pub mod api_keys;
pub mod backfill;
pub mod clinical;
pub mod clinics;
pub mod closures;
pub mod course;
pub mod day_sheet;
pub mod feeds;
pub mod held_times;
pub mod imports;
pub mod merge_patch;
pub mod monitoring;
pub mod overruns;
pub mod patients;
pub mod protocols;
pub mod reminders;
pub mod rems_forms;
pub mod schedule;
pub mod shift_change;
pub mod staff;
pub mod timeline;
pub mod webhooks;
pub mod when;

use chairside_engine as engine;
use chairside_engine::local_time::start_of_local_day;
use chairside_store::models::{self as m, AuditEntry, NewOutboxEvent};
use chairside_store::{repo, DbConnection, ErrorKind, StoreError};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::problem_kind::ProblemKind;

/// How many times a booking is re-planned when a concurrent writer took its chair.
pub const BOOKING_ATTEMPTS: u32 = 4;

/// The instants covering local dates `from ..= from + days` in the zone.
///
/// Dates arrive checked (requests take 1900-01-01..=2999-12-31, and
/// sessions are planned from those); one from anywhere else is refused
/// rather than overflowing.
pub fn horizon(
    zone: Tz,
    from: NaiveDate,
    days: i64,
) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let day = |offset: i64| {
        Duration::try_days(offset)
            .and_then(|offset| from.checked_add_signed(offset))
            .map(|date| start_of_local_day(zone, date))
    };
    match (day(-1), days.checked_add(2).and_then(day)) {
        (Some(start), Some(end)) => Ok((start, end)),
        _ => Err(ApiError::Invalid {
            detail: engine::dates::outside(from),
            errors: Vec::new(),
        }),
    }
}

/// A unique value already taken, as a 409 of this kind saying which: not
/// the database's own words, which name its tables and constraints.
pub fn taken(kind: ProblemKind, detail: String) -> impl FnOnce(StoreError) -> ApiError {
    move |error| match error.kind() {
        ErrorKind::Duplicate => ApiError::Conflict { kind, detail },
        _ => error.into(),
    }
}

/// Writes an audit row.
#[allow(clippy::too_many_arguments)]
pub fn audit(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: Option<i64>,
    action: &str,
    entity_type: &str,
    entity_id: Option<i64>,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<(), ApiError> {
    repo::audit::append(
        conn,
        &AuditEntry {
            clinic_id,
            actor: caller.actor(),
            action: action.to_string(),
            entity_type: entity_type.to_string(),
            entity_id,
            before,
            after,
            request_id: Some(caller.request_id.clone()).filter(|r| !r.is_empty()),
        },
    )?;
    Ok(())
}

/// Writes an outbox event (delivered to webhooks by the worker).
pub fn emit(
    conn: &mut DbConnection,
    clinic_id: i64,
    event_type: &str,
    course_id: i64,
    payload: Value,
) -> Result<(), ApiError> {
    // Events of one course must commit in outbox-id order (see the lock's docs).
    repo::courses::lock(conn, clinic_id, course_id)?;
    repo::outbox::append(
        conn,
        &NewOutboxEvent {
            clinic_id,
            event_type: event_type.to_string(),
            aggregate_id: course_id,
            payload,
        },
    )?;
    Ok(())
}

/// The event payload of a session: ids, times in UTC and clinic time,
/// chair, status; never the patient's name, nor the session's reason: a
/// clinician's free text ("not dosed: blood pressure 158/96") is health
/// information, kept in the audit trail and readable through the API, never
/// sent to integrations.
pub fn session_payload(zone: Tz, s: &m::Session) -> Value {
    let mut view = serde_json::to_value(crate::views::session(zone, s)).expect("views serialise");
    if let Some(fields) = view.as_object_mut() {
        fields.remove("reason");
    }
    view
}

/// The date `now` falls on in the clinic's zone.
pub fn today(zone: Tz, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&zone).date_naive()
}

/// The local date of an instant in the zone.
pub fn local_date(zone: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}
