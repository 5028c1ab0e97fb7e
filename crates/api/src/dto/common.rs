//! Small wire types shared by every resource.

use chairside_engine::dates::{self, FIRST_DATE, LAST_DATE};
use chairside_engine::{Rule, Violation};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

/// One broken scheduling rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ViolationView {
    /// The rule, by name (`max_gap`, `chairs_full`, …).
    #[schema(value_type = String, example = "max_gap")]
    pub rule: Rule,
    /// The session's 1-based position in its phase, when it concerns one.
    pub sequence: Option<u32>,
    /// The numbers behind it.
    pub detail: String,
}

impl From<&Violation> for ViolationView {
    fn from(v: &Violation) -> Self {
        ViolationView {
            rule: v.rule,
            sequence: v.sequence,
            detail: v.detail.clone(),
        }
    }
}

/// A wall-clock time of day in the clinic's zone, `HH:MM` (seconds allowed
/// on input, always zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ToSchema)]
#[schema(value_type = String, example = "10:00", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")]
pub struct WallTime(pub NaiveTime);

impl Serialize for WallTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.format("%H:%M").to_string())
    }
}

impl<'de> Deserialize<'de> for WallTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        NaiveTime::parse_from_str(&text, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(&text, "%H:%M:%S"))
            .ok()
            .filter(|t| t.nanosecond() == 0)
            .map(WallTime)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not a time of day HH:MM")))
    }
}

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

/// Days of the week, lowercase three letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl From<Day> for chrono::Weekday {
    fn from(d: Day) -> Self {
        use chrono::Weekday::*;
        match d {
            Day::Mon => Mon,
            Day::Tue => Tue,
            Day::Wed => Wed,
            Day::Thu => Thu,
            Day::Fri => Fri,
            Day::Sat => Sat,
            Day::Sun => Sun,
        }
    }
}

impl From<chrono::Weekday> for Day {
    fn from(d: chrono::Weekday) -> Self {
        use chrono::Weekday::*;
        match d {
            Mon => Day::Mon,
            Tue => Day::Tue,
            Wed => Day::Wed,
            Thu => Day::Thu,
            Fri => Day::Fri,
            Sat => Day::Sat,
            Sun => Day::Sun,
        }
    }
}

/// How a treatment is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Modality {
    Iv,
    Im,
    Intranasal,
}

impl From<Modality> for chairside_engine::Modality {
    fn from(m: Modality) -> Self {
        match m {
            Modality::Iv => Self::Iv,
            Modality::Im => Self::Im,
            Modality::Intranasal => Self::Intranasal,
        }
    }
}

impl From<chairside_engine::Modality> for Modality {
    fn from(m: chairside_engine::Modality) -> Self {
        match m {
            chairside_engine::Modality::Iv => Self::Iv,
            chairside_engine::Modality::Im => Self::Im,
            chairside_engine::Modality::Intranasal => Self::Intranasal,
        }
    }
}
