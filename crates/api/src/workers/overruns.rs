//! Sessions running over: a patient still in the chair past the booked end
//! is noticed by time passing, not by a request, so a sweep announces each
//! late arrival (`session.late`) and each hold that reaches the next
//! booking (`session.overrun`) once. The claim is a row insert, so
//! replicas never announce twice.

use chrono::{DateTime, Utc};

use crate::error::ApiError;
use crate::service::overruns;

/// One sweep over every clinic at `now`; returns how many events were
/// written.
pub fn sweep(store: &chairside_store::Store, now: DateTime<Utc>) -> Result<usize, ApiError> {
    super::for_each_clinic(store, |clinic| {
        // Most minutes nothing runs over: look first, and take the (on
        // SQLite, single) writer's turn only when there may be news.
        let news = store.read(|conn| {
            let (_, over) = overruns::running_over(conn, clinic.id, now)?;
            Ok::<_, ApiError>(
                over.iter()
                    .any(|o| o.hold.late_by_minutes > 0 || !o.reaches.is_empty()),
            )
        })?;
        if !news {
            return Ok(0);
        }
        store.write(|conn| overruns::announce(conn, clinic.id, now))
    })
}
