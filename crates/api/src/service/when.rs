//! When a request says a session should start: an instant with its offset,
//! or a clinic-local wall-clock time — a time the clocks skip is refused, a
//! time they repeat needs the caller's choice. Nothing is guessed.

use chairside_engine::course::Target;
use chairside_engine::{resolve_local, ChairId, Disambiguation};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::dto::session::{At, NextBest};
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

/// Where a session should go: a time (`to`, on `chair_id` or the first
/// free suitable chair) or the next best day — exactly one of them.
pub fn target(
    zone: Tz,
    to: Option<&At>,
    chair_id: Option<i64>,
    next_best: Option<&NextBest>,
) -> Result<Target, ApiError> {
    match (to, next_best) {
        (Some(at), None) => Ok(Target::At {
            chair: chair_id.map(ChairId),
            start: resolve_at(zone, at, "to")?,
        }),
        (None, Some(next)) => Ok(Target::NextBest {
            not_before: next.not_before,
        }),
        _ => Err(ApiError::invalid_field(
            "to",
            "give exactly one of `to` or `next_best`",
        )),
    }
}
