//! When a request says a session should start: an instant with its offset,
//! or a clinic-local wall-clock time — a time the clocks skip is refused, a
//! time they repeat needs the caller's choice. Nothing is guessed.

use chairside_engine::{resolve_local, Disambiguation};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::dto::session::At;
use crate::error::{local_time_error, ApiError};

/// The instant `at` names, or a 422 naming `field`.
pub fn resolve_at(zone: Tz, at: &At, field: &str) -> Result<DateTime<Utc>, ApiError> {
    match (&at.start, &at.local_start) {
        (Some(start), None) => Ok(start.with_timezone(&Utc)),
        (None, Some(local)) => {
            let choice = at.disambiguation.unwrap_or(Disambiguation::Reject);
            resolve_local(zone, *local, choice)
                .map_err(|e| local_time_error(&format!("{field}.local_start"), e))
        }
        _ => Err(ApiError::invalid_field(
            field,
            "give exactly one of `start` (with offset) or `local_start`",
        )),
    }
}
