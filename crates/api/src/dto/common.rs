//! Small wire types shared by every resource.

use chairside_engine::dates::{self, FIRST_DATE, LAST_DATE};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// A date, date-time or instant in a request: its calendar date (an
/// instant's in UTC) must be one Chairside works with, 1900-01-01 to
/// 2999-12-31 ([`chairside_engine::dates`]). Every date a body or a query
/// carries is read through [`in_calendar`] (or its `_opt`/`_all` forms), so
/// the refusal names the field and no later arithmetic can overflow.
pub trait Dated {
    /// The calendar date the range applies to.
    fn calendar_date(&self) -> NaiveDate;
}

impl Dated for NaiveDate {
    fn calendar_date(&self) -> NaiveDate {
        *self
    }
}

impl Dated for NaiveDateTime {
    fn calendar_date(&self) -> NaiveDate {
        self.date()
    }
}

impl Dated for DateTime<FixedOffset> {
    fn calendar_date(&self) -> NaiveDate {
        self.naive_utc().date()
    }
}

/// For `#[serde(deserialize_with = "in_calendar")]`: the value, refused
/// unless its date lies in 1900-01-01..=2999-12-31.
pub fn in_calendar<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Dated,
{
    let value = T::deserialize(d)?;
    check_calendar(&value)?;
    Ok(value)
}

/// [`in_calendar`] for an optional value (add `#[serde(default)]`).
pub fn in_calendar_opt<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Dated,
{
    let value = Option::<T>::deserialize(d)?;
    value.iter().try_for_each(check_calendar)?;
    Ok(value)
}

/// [`in_calendar`] for each value of a list (add `#[serde(default)]`).
pub fn in_calendar_all<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Dated,
{
    let values = Vec::<T>::deserialize(d)?;
    values.iter().try_for_each(check_calendar)?;
    Ok(values)
}

/// [`in_calendar_opt`] for a clinic-local date-time written with or
/// without seconds (`2026-03-04T12:00`), as every local time is.
pub fn local_in_calendar_opt<'de, D>(d: D) -> Result<Option<NaiveDateTime>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = chairside_engine::wall_clock::local_opt::deserialize(d)?;
    value.iter().try_for_each(check_calendar)?;
    Ok(value)
}

fn check_calendar<T: Dated, E: serde::de::Error>(value: &T) -> Result<(), E> {
    let date = value.calendar_date();
    if dates::contains(date) {
        Ok(())
    } else {
        Err(E::custom(dates::outside(date)))
    }
}

/// Whether a deserialization error is [`in_calendar`]'s refusal: a
/// well-formed date outside the range (422), not a malformed one (400).
pub fn is_outside_calendar(message: &str) -> bool {
    message.contains(&format!("not a date between {FIRST_DATE} and {LAST_DATE}"))
}

/// A page of a list, and the cursor of the next page.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    /// The items, oldest first.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
