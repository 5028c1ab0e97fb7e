//! Automatic no-show marking (domain rule 8): a booked session not checked
//! in `no_show_after_minutes` after its start, in clinic time, becomes a
//! no-show, and the miss is re-planned like any other.

use chairside_engine::course::{Action, SessionId};
use chairside_store::models::SessionStatus;
use chairside_store::repo::{self, sessions::SessionFilter};
use chrono::{DateTime, Utc};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::service::course;

/// How far back a forgotten session is still marked (older ones are left
/// for staff to correct by hand).
const LOOKBACK_HOURS: i64 = 48;

/// One sweep over every clinic at `now`; returns how many sessions were
/// marked.
pub fn sweep(store: &chairside_store::Store, now: DateTime<Utc>) -> Result<usize, ApiError> {
    super::for_each_clinic(store, |clinic| sweep_clinic(store, clinic, now))
}

fn sweep_clinic(
    store: &chairside_store::Store,
    clinic: &chairside_store::models::Clinic,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let settings = &clinic.settings;
    let cutoff = now - chrono::Duration::minutes(i64::from(settings.no_show_after_minutes));
    let filter = SessionFilter {
        range: Some((cutoff - chrono::Duration::hours(LOOKBACK_HOURS), cutoff)),
        statuses: Some(vec![SessionStatus::Booked]),
        course_id: None,
        patient_id: None,
        chair_id: None,
    };
    let overdue = store.read(|conn| repo::sessions::all(conn, clinic.id, &filter))?;
    let caller = Caller::system("no-show-sweep");
    let mut marked = 0;
    for session in overdue.iter().filter(|s| s.starts_at <= cutoff) {
        // One transaction per session: a failure re-planning one course does
        // not hold back the others. A session changed meanwhile (a late
        // check-in on another replica) is left alone.
        let marked_now = store.write_retrying(1, clinic.id, |conn| -> Result<bool, ApiError> {
            let current = repo::sessions::get(conn, clinic.id, session.id)?;
            if current.status != SessionStatus::Booked || current.version != session.version {
                return Ok(false);
            }
            let action = Action::NoShow {
                session: SessionId(session.id),
                note: None,
                automatic: true,
            };
            course::act(
                conn,
                &caller,
                clinic.id,
                session.course_id,
                &action,
                now,
                |_, _, _, _| Ok(()),
            )?;
            Ok(true)
        });
        match marked_now {
            Ok(true) => marked += 1,
            Ok(false) => {}
            Err(error) => tracing::warn!(session.id = session.id, %error, "could not mark no-show"),
        }
    }
    Ok(marked)
}
