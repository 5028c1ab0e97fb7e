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
        store.write(|conn| overruns::announce(conn, clinic.id, now))
    })
}
