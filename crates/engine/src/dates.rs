//! The dates Chairside works with: 1 January 1900 to 31 December 2999.
//!
//! Every date the engine is given (an earliest date, a closure, a session
//! already standing) must lie in [`FIRST_DATE`]`..=`[`LAST_DATE`]; anything
//! else is refused with [`EngineError::InvalidInput`] naming it. The range is
//! far wider than any clinic needs, and narrow enough that everything
//! computed from such a date stays safe: the searches reach a few years
//! past it at most, every instant keeps a four-digit year (the stores keep
//! instants as text whose order is time order, and RFC 3339 has four-digit
//! years), and both PostgreSQL and chrono know every day of it.
//!
//! ```
//! use chairside_engine::dates::{self, FIRST_DATE, LAST_DATE};
//! use chrono::NaiveDate;
//!
//! assert!(dates::contains(FIRST_DATE) && dates::contains(LAST_DATE));
//! assert!(dates::check("earliest", NaiveDate::MAX).is_err());
//! ```

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::EngineError;
use crate::occupancy::Interval;

/// The first date Chairside accepts.
pub const FIRST_DATE: NaiveDate = ymd(1900, 1, 1);

/// The last date Chairside accepts.
pub const LAST_DATE: NaiveDate = ymd(2999, 12, 31);

const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("not a date"),
    }
}

/// Whether Chairside accepts the date.
pub fn contains(date: NaiveDate) -> bool {
    (FIRST_DATE..=LAST_DATE).contains(&date)
}

/// The date, or [`EngineError::InvalidInput`] naming `field` if Chairside
/// does not accept it.
pub fn check(field: &str, date: NaiveDate) -> Result<NaiveDate, EngineError> {
    if contains(date) {
        Ok(date)
    } else {
        Err(EngineError::invalid(field, outside(date)))
    }
}

/// Like [`check`], for an instant (its UTC date).
pub fn check_instant(field: &str, instant: DateTime<Utc>) -> Result<(), EngineError> {
    check(field, instant.date_naive()).map(|_| ())
}

/// Like [`check_instant`], for both ends of each interval of a list.
pub fn check_intervals(field: &str, intervals: &[Interval]) -> Result<(), EngineError> {
    for (i, interval) in intervals.iter().enumerate() {
        check_instant(&format!("{field}[{i}]"), interval.start)?;
        check_instant(&format!("{field}[{i}]"), interval.end)?;
    }
    Ok(())
}

/// Like [`check`], for each date of a list; the error names the first
/// refused one (`field[i]`).
pub fn check_all(field: &str, dates: &[NaiveDate]) -> Result<(), EngineError> {
    for (i, date) in dates.iter().enumerate() {
        check(&format!("{field}[{i}]"), *date)?;
    }
    Ok(())
}

/// Why a date is refused, in the clinic's words.
pub fn outside(date: NaiveDate) -> String {
    format!("{date} is not a date between {FIRST_DATE} and {LAST_DATE}")
}
