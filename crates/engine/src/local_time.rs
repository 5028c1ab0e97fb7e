//! Clinic wall-clock time versus instants.
//!
//! Opening hours, preferences and "every Tuesday at 10:00" are wall-clock
//! times in the clinic's IANA zone; sessions are stored as UTC instants. The
//! conversion is where daylight-saving bugs live, so it happens only here, and
//! a local time that does not exist (spring forward) or occurs twice (fall
//! back) is never guessed: it is an error unless the caller chose a side.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// How to resolve a local time that occurs twice (the hour the clocks repeat).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Disambiguation {
    /// Refuse: the caller must choose.
    #[default]
    Reject,
    /// The first occurrence (still on summer time).
    Earlier,
    /// The second occurrence (already on standard time).
    Later,
}

/// A local time that cannot be converted to an instant without a guess.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LocalTimeError {
    /// The clocks skip this local time (spring forward).
    #[error("{local} does not exist in {zone}: the clocks skip it")]
    NonExistent {
        /// The requested wall-clock time.
        local: NaiveDateTime,
        /// The clinic's zone.
        zone: Tz,
    },
    /// The clocks show this local time twice (fall back).
    #[error(
        "{local} occurs twice in {zone}: choose the earlier ({earlier}) or the later ({later})"
    )]
    Ambiguous {
        /// The requested wall-clock time.
        local: NaiveDateTime,
        /// The clinic's zone.
        zone: Tz,
        /// The first occurrence.
        earlier: DateTime<Utc>,
        /// The second occurrence.
        later: DateTime<Utc>,
    },
}

/// Turns a clinic-local wall-clock time into an instant, never guessing.
pub fn resolve_local(
    zone: Tz,
    local: NaiveDateTime,
    choice: Disambiguation,
) -> Result<DateTime<Utc>, LocalTimeError> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::None => Err(LocalTimeError::NonExistent { local, zone }),
        LocalResult::Ambiguous(a, b) => {
            let (earlier, later) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
            match choice {
                Disambiguation::Earlier => Ok(earlier),
                Disambiguation::Later => Ok(later),
                Disambiguation::Reject => Err(LocalTimeError::Ambiguous {
                    local,
                    zone,
                    earlier,
                    later,
                }),
            }
        }
    }
}

/// The instant at which a boundary (an opening time, a closure edge) takes
/// effect. Unlike a session start, a boundary that falls into a gap is not an
/// error: the boundary takes effect when the clocks resume; in a repeated hour
/// it takes effect at the first occurrence.
pub fn boundary_instant(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        LocalResult::None => {
            // Gaps are whole minutes and shorter than a day; walk to their end.
            let mut probe = local;
            for _ in 0..(24 * 60) {
                let Some(next) = probe.checked_add_signed(Duration::minutes(1)) else {
                    break;
                };
                probe = next;
                if let Some(t) = zone.from_local_datetime(&probe).earliest() {
                    return t.with_timezone(&Utc);
                }
            }
            // No zone skips a whole day: only at the very ends of chrono's
            // calendar, where the offset carries the instant out of it, is
            // there no instant. The boundary is then the end it fell off.
            if local.year() < 0 {
                DateTime::<Utc>::MIN_UTC
            } else {
                DateTime::<Utc>::MAX_UTC
            }
        }
    }
}

/// The first instant of a local calendar date in the zone.
pub fn start_of_local_day(zone: Tz, date: NaiveDate) -> DateTime<Utc> {
    boundary_instant(zone, date.and_hms_opt(0, 0, 0).expect("midnight exists"))
}

/// The wall-clock time an instant shows in the zone.
pub fn to_local(zone: Tz, instant: DateTime<Utc>) -> NaiveDateTime {
    let utc = instant.naive_utc();
    let offset = zone.offset_from_utc_datetime(&utc).fix().local_minus_utc();
    // Only within hours of the ends of chrono's calendar is there no local
    // time to show: it is then the end the clock ran past.
    utc.checked_add_signed(Duration::seconds(i64::from(offset)))
        .unwrap_or(if offset > 0 {
            NaiveDateTime::MAX
        } else {
            NaiveDateTime::MIN
        })
}

/// The local calendar date of an instant in the zone.
pub fn local_date(zone: Tz, instant: DateTime<Utc>) -> NaiveDate {
    to_local(zone, instant).date()
}
