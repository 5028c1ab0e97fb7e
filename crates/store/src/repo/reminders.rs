//! Which reminders the reminder worker has handled, so each one fires once.
//!
//! A reminder is identified by the session, its lead time and the session
//! start it was computed for: rescheduling a session changes the start, so
//! the moved session gets fresh reminders, while a worker that runs twice
//! (or two replicas at once) sends each one a single time. The worker marks
//! the reminder and writes its `reminder.due` outbox event in one
//! transaction, and writes the event only when [`mark_reminder`] says the
//! mark is new.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{instant, now};
use crate::error::StoreError;
use crate::models::{columns, ReminderOutcome, ReminderSent};
use crate::schema::reminders_sent::dsl as r;

/// Marks the `lead_minutes` reminder of session `session_id` (for the start
/// `starts_at`) as handled with `outcome`. Returns `true` if this call made
/// the mark, `false` if it existed already (not an error: the reminder was
/// handled before, whatever its outcome). When two transactions race on
/// the same reminder exactly one gets `true`.
pub fn mark_reminder(
    conn: &mut DbConnection,
    clinic_id: i64,
    session_id: i64,
    lead_minutes: i32,
    starts_at: DateTime<Utc>,
    outcome: ReminderOutcome,
) -> Result<bool, StoreError> {
    // ON CONFLICT DO NOTHING: diesel's MultiBackend cannot render it, so the
    // statement runs on the native connection.
    let insert = diesel::insert_into(r::reminders_sent)
        .values((
            r::clinic_id.eq(clinic_id),
            r::session_id.eq(session_id),
            r::lead_minutes.eq(lead_minutes),
            r::starts_at.eq(instant(starts_at)),
            r::outcome.eq(outcome.as_str()),
            r::created_at.eq(now()),
        ))
        .on_conflict_do_nothing();
    let inserted = match conn {
        DbConnection::Postgresql(c) => insert.execute(c)?,
        DbConnection::Sqlite(c) => insert.execute(c)?,
    };
    Ok(inserted == 1)
}

/// The reminders handled for a session, oldest first (all its starts).
pub fn reminders_for_session(
    conn: &mut DbConnection,
    clinic_id: i64,
    session_id: i64,
) -> Result<Vec<ReminderSent>, StoreError> {
    Ok(r::reminders_sent
        .filter(r::clinic_id.eq(clinic_id).and(r::session_id.eq(session_id)))
        .order(r::id)
        .select(columns::<ReminderSent>())
        .load::<ReminderSent>(conn)?)
}
