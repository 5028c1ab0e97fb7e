//! Dates, wall-clock times and the zones the tests' clinics are in.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

pub const NEW_YORK: Tz = chrono_tz::America::New_York;
pub const LONDON: Tz = chrono_tz::Europe::London;
/// UTC+05:45: a grid of whole hours in UTC is not one in Kathmandu.
pub const KATHMANDU: Tz = chrono_tz::Asia::Kathmandu;
/// Ahead of UTC with no daylight saving: its calendar ends before chrono's.
pub const TOKYO: Tz = chrono_tz::Asia::Tokyo;
pub const UTC: Tz = chrono_tz::UTC;

pub const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

pub const WEEKDAYS: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

/// Minutes after midnight, as a time of day.
pub fn minute(m: u32) -> NaiveTime {
    time(m / 60, m % 60)
}

/// A wall-clock time that occurs exactly once in the zone, as an instant;
/// panics on a skipped or repeated one, which a test must not rely on.
pub fn at(zone: Tz, d: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    zone.from_local_datetime(&d.and_time(time(h, m)))
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

/// A wall-clock time that exists in the zone as an instant (the earlier one
/// if repeated, an hour on if skipped). Only for building inputs.
pub fn instant(zone: Tz, d: NaiveDate, t: NaiveTime) -> DateTime<Utc> {
    let local = d.and_time(t);
    zone.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
        })
        .expect("a local time an hour after a gap exists")
        .with_timezone(&Utc)
}
