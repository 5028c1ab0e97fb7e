//! An independent model of the rules, written from domain.md and the issue,
//! not from the engine's code: it reads only the engine's data types (and
//! asks `Staffing::needs_for_modality` whose staffing needs apply). It
//! converts wall-clock times with chrono-tz itself, checks chairs against
//! the raw booking list (never `Occupancy`), checks staff coverage by
//! trying every assignment of people to roles (never `Coverage`), and
//! enumerates plans by brute force.
//!
//! - [`Clinic`]: where one session may go (and [`Clinic::check_placement`]:
//!   whether one the engine placed keeps every calendar rule);
//! - [`Treatment`]: what one session of the protocol is and asks of staff;
//! - [`Spacing`]: whether a series' dates keep its spacing rules;
//! - [`BruteForce`]: the best plan, by trying every one.

mod brute_force;
mod clinic;
mod placement;
mod spacing;
mod staff;

pub use brute_force::BruteForce;
pub use clinic::Clinic;
pub use spacing::Spacing;
pub use staff::Treatment;

use chairside_engine::{ChairId, PatientPreferences};
use chrono::{
    DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

/// An instant span `[start, end)`.
pub type Span = (DateTime<Utc>, DateTime<Utc>);

/// When a wall-clock boundary (opening, closing, closure edge) takes
/// effect: the first instant the clinic's clock shows it. A boundary in a
/// skipped hour takes effect when the clocks resume; in a repeated hour, at
/// its first occurrence.
fn boundary(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.with_timezone(&Utc).min(b.with_timezone(&Utc)),
        LocalResult::None => {
            // Walk back out of the gap on the UTC axis, then forward to the
            // first instant whose wall clock reaches `local`.
            let mut t = zone
                .from_local_datetime(&(local - Duration::hours(3)))
                .earliest()
                .expect("three hours before a gap exists")
                .with_timezone(&Utc);
            while t.with_timezone(&zone).naive_local() < local {
                t += Duration::minutes(1);
            }
            t
        }
    }
}

/// The wall-clock reading of an instant.
fn local(zone: Tz, t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&zone).naive_local()
}

fn overlap(a: Span, b: Span) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// One placement the oracle allows: a start on a day with its chair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub chair: ChairId,
    pub distance: u32,
}

/// Whether `t` is inside the patient's window (either end may be open),
/// read as the issue states it.
pub fn in_window(prefs: &PatientPreferences, t: NaiveTime) -> bool {
    prefs.earliest_start.is_none_or(|e| e <= t) && prefs.latest_start.is_none_or(|l| t <= l)
}

/// Whole minutes from the patient's preferred start (0 without one).
fn distance(prefs: &PatientPreferences, t: NaiveTime) -> u32 {
    prefs.preferred_start.map_or(0, |p| {
        let (a, b) = (
            t.num_seconds_from_midnight() as i64,
            p.num_seconds_from_midnight() as i64,
        );
        ((a - b).abs() / 60) as u32
    })
}
