//! `reminder.due` events: at each of the clinic's lead times before a
//! booked session, in clinic time, one outbox event carrying the day-of
//! instructions. Rescheduling moves them (they are keyed by the start),
//! cancelling removes them (only booked sessions qualify), and none fires
//! once the session has started.

use chairside_engine::reminders::{reminder_due, reminder_to_send};
use chairside_store::models::{Clinic, ReminderOutcome, Session, SessionStatus};
use chairside_store::repo::{self, sessions::SessionFilter};
use chairside_store::{DbConnection, Store};
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::error::ApiError;
use crate::service::emit;
use crate::views;

/// One sweep over every clinic at `now`; returns how many reminders fell
/// due.
pub fn sweep(store: &Store, now: DateTime<Utc>) -> Result<usize, ApiError> {
    super::for_each_clinic(store, |clinic| sweep_clinic(store, clinic, now))
}

fn sweep_clinic(store: &Store, clinic: &Clinic, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let zone = clinic.time_zone;
    let leads = &clinic.settings.reminder_lead_times_minutes;
    let Some(longest) = leads.iter().copied().max() else {
        return Ok(0);
    };
    let filter = SessionFilter {
        range: Some((
            now,
            now + chrono::Duration::minutes(i64::from(longest)) + chrono::Duration::days(1),
        )),
        statuses: Some(vec![SessionStatus::Booked]),
        course_id: None,
        patient_id: None,
        chair_id: None,
    };
    let (sessions, held) = store.read(|conn| {
        Ok::<_, ApiError>((
            repo::sessions::all(conn, clinic.id, &filter)?,
            repo::courses::held(conn, clinic.id)?,
        ))
    })?;
    let mut sent = 0;
    // A held course's sessions are not the patient's yet: no reminder.
    for session in sessions
        .into_iter()
        .filter(|s| !held.contains(&s.course_id))
    {
        let Some(lead) = reminder_to_send(zone, session.starts_at, leads, now) else {
            continue;
        };
        let fired = store.write(|conn| fire(conn, clinic, &session, lead, now))?;
        sent += usize::from(fired);
    }
    Ok(sent)
}

/// Sends one reminder, once: the session is re-read inside the transaction
/// so that a cancellation or a move that committed meanwhile wins, and the
/// reminder is marked before its event so no lead time fires twice.
fn fire(
    conn: &mut DbConnection,
    clinic: &Clinic,
    session: &Session,
    lead: u32,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let current = repo::sessions::get(conn, clinic.id, session.id)?;
    if current.status != SessionStatus::Booked
        || current.starts_at != session.starts_at
        || current.starts_at <= now
    {
        return Ok(false);
    }
    let lead_i32 = i32::try_from(lead).unwrap_or(i32::MAX);
    if !repo::reminders::mark_reminder(
        conn,
        clinic.id,
        current.id,
        lead_i32,
        current.starts_at,
        ReminderOutcome::Sent,
    )? {
        return Ok(false);
    }
    let course = repo::courses::get(conn, clinic.id, current.course_id)?;
    let protocol =
        repo::protocols::get_version(conn, clinic.id, course.protocol_version_id)?.definition;
    let zone = clinic.time_zone;
    emit(
        conn,
        clinic.id,
        "reminder.due",
        current.course_id,
        json!({
            "session": views::session(zone, &current),
            "patient_id": current.patient_id,
            "lead_minutes": lead,
            "due_at": reminder_due(zone, current.starts_at, lead),
            "protocol": protocol.name,
            "instructions": protocol.instructions,
        }),
    )?;
    Ok(true)
}
