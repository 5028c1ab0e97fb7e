//! Holds that ran out: a course held for a portal and not confirmed by its
//! `held_until` is released — its sessions free their chairs, the course
//! ends, `course.hold_released` says so. The release is a decision like any
//! other; of two replicas releasing the same hold, the course's version
//! lets one win and the other finds nothing left to do.

use chairside_engine::course::Action;
use chairside_store::repo;
use chrono::{DateTime, Utc};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::service::course;

/// One sweep over every clinic at `now`; returns how many holds were
/// released.
pub fn sweep(store: &chairside_store::Store, now: DateTime<Utc>) -> Result<usize, ApiError> {
    super::for_each_clinic(store, |clinic| {
        let run_out = store.read(|conn| repo::courses::holds_run_out(conn, clinic.id, now))?;
        let mut released = 0;
        for course_id in run_out {
            let caller = Caller::system(format!("hold-expiry-{course_id}"));
            let action = Action::ReleaseHold { expired: true };
            let done = store.write_retrying(1, clinic.id, |conn| {
                course::act(
                    conn,
                    &caller,
                    clinic.id,
                    course_id,
                    &action,
                    now,
                    |_, _, _, _| Ok(()),
                )
            });
            match done {
                Ok(_) => released += 1,
                // Another replica released it first.
                Err(ApiError::Refused(_) | ApiError::PreconditionFailed(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(released)
    })
}
