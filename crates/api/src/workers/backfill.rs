//! Backfill's sweep: offers that ran out pass their time on, held times
//! that ran out are let go, and chair time freed since the last sweep is
//! offered to whoever gains most. Each step claims its rows through the
//! database (a versioned update, a delete), so of several replicas one
//! acts on each; each offer is made in its own transaction.

use chairside_engine::backfill::{FreedTime, OfferStatus};
use chairside_engine::ChairId;
use chairside_store::repo;
use chrono::{DateTime, Utc};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::service::backfill::{answer, offer_freed};
use crate::service::held_times;

/// Freed times taken from the queue per clinic and sweep.
const FREED_PER_SWEEP: i64 = 50;

/// One sweep over every clinic at `now`; returns how many offers were
/// made, closed or held times let go.
pub fn sweep(store: &chairside_store::Store, now: DateTime<Utc>) -> Result<usize, ApiError> {
    super::for_each_clinic(store, |clinic| {
        let caller = Caller::system("backfill");
        let mut done = 0;
        for offer in store.read(|conn| repo::backfill::offers_run_out(conn, clinic.id, now))? {
            let closed = store.write_retrying(1, clinic.id, |conn| {
                answer::close(conn, &caller, &offer, OfferStatus::Expired, now)
            });
            done += settled(closed)?;
        }
        for held in store.read(|conn| repo::held_times::run_out(conn, clinic.id, now))? {
            let released = store.write_retrying(1, clinic.id, |conn| {
                held_times::release(conn, &caller, clinic.id, &held, true)
            });
            done += usize::from(released?);
        }
        if clinic.settings.backfill_offer_minutes.is_none() {
            // Off: what was queued before it was turned off is dropped.
            store.write(|conn| {
                repo::backfill::take_freed(conn, clinic.id, i64::MAX).map_err(ApiError::from)
            })?;
            return Ok(done);
        }
        let freed = store.write(|conn| {
            repo::backfill::take_freed(conn, clinic.id, FREED_PER_SWEEP).map_err(ApiError::from)
        })?;
        for time in freed {
            let freed = FreedTime {
                chair: ChairId(time.chair_id),
                start: time.starts_at,
                end: time.ends_at,
            };
            let made = store
                .write_retrying(1, clinic.id, |conn| offer_freed(conn, clinic, &freed, now))?;
            done += usize::from(made.is_some());
        }
        Ok(done)
    })
}

/// One closing: done, or already done by another replica.
fn settled<T>(result: Result<T, ApiError>) -> Result<usize, ApiError> {
    match result {
        Ok(_) => Ok(1),
        Err(ApiError::PreconditionFailed(_)) => Ok(0),
        Err(other) => Err(other),
    }
}
