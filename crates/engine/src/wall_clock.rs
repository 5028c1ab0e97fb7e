//! How wall-clock values are written: times of day as `HH:MM` (seconds
//! accepted, `HH:MM:SS`), local date-times as `YYYY-MM-DDTHH:MM` (seconds
//! accepted), weekdays as `mon` … `sun`. One definition for JSON bodies,
//! stored documents and answers alike; use with `#[serde(with = "…")]`.
//!
//! ```
//! use chairside_engine::OpeningRange;
//! let range: OpeningRange = serde_json::from_str(r#"{"opens": "08:00", "closes": "18:00:00"}"#).unwrap();
//! assert_eq!(serde_json::to_string(&range).unwrap(), r#"{"opens":"08:00","closes":"18:00"}"#);
//! ```

use chrono::{NaiveDateTime, NaiveTime, Timelike, Weekday};
use serde::{de::Error, Deserialize, Deserializer, Serializer};

fn parse_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M:%S"))
        .ok()
        .filter(|t| t.nanosecond() == 0)
}

/// The end of a day written `24:00`: a clinic (or a shift) that closes at
/// midnight. Kept as the last instant of the day so it sorts after every
/// other time; it becomes an instant only through
/// [`crate::OpeningRange::closes_at`], which makes it the next midnight.
pub const END_OF_DAY: NaiveTime = match NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999) {
    Some(t) => t,
    None => panic!("a valid time"),
};

fn show_time(t: &NaiveTime) -> String {
    if *t == END_OF_DAY {
        "24:00".to_string()
    } else if t.second() == 0 {
        t.format("%H:%M").to_string()
    } else {
        t.format("%H:%M:%S").to_string()
    }
}

/// A time of day, `HH:MM` or `HH:MM:SS`.
pub mod time {
    use super::*;

    /// Writes `HH:MM` (`HH:MM:SS` when seconds are set).
    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&show_time(t))
    }

    /// Reads `HH:MM` or `HH:MM:SS`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        parse_time(&text)
            .ok_or_else(|| D::Error::custom(format!("{text:?} is not a time of day HH:MM")))
    }
}

/// A closing time of day: `HH:MM`, `HH:MM:SS`, or `24:00` for midnight at
/// the end of the day ([`END_OF_DAY`]).
pub mod closing_time {
    use super::*;

    /// Writes `HH:MM`, `HH:MM:SS` or `24:00`.
    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&show_time(t))
    }

    /// Reads `HH:MM`, `HH:MM:SS`, or `24:00` (`24:00:00`).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        if text == "24:00" || text == "24:00:00" {
            return Ok(END_OF_DAY);
        }
        parse_time(&text).ok_or_else(|| {
            D::Error::custom(format!("{text:?} is not a closing time HH:MM (or 24:00)"))
        })
    }
}

/// An optional time of day (add `#[serde(default)]`).
pub mod time_opt {
    use super::*;

    /// Writes `HH:MM`, or null.
    pub fn serialize<S: Serializer>(t: &Option<NaiveTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&show_time(t)),
            None => s.serialize_none(),
        }
    }

    /// Reads `HH:MM`, `HH:MM:SS` or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveTime>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => parse_time(&text)
                .map(Some)
                .ok_or_else(|| D::Error::custom(format!("{text:?} is not a time of day HH:MM"))),
        }
    }
}

/// Parses a local date-time, `YYYY-MM-DDTHH:MM` or with seconds.
pub fn parse_local(text: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
}

/// A clinic-local date-time without offset.
pub mod local {
    use super::*;

    /// Writes `YYYY-MM-DDTHH:MM:SS`.
    pub fn serialize<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.format("%Y-%m-%dT%H:%M:%S").to_string())
    }

    /// Reads `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
        let text = String::deserialize(d)?;
        parse_local(&text).ok_or_else(|| {
            D::Error::custom(format!(
                "{text:?} is not a local date-time YYYY-MM-DDTHH:MM"
            ))
        })
    }
}

/// An optional clinic-local date-time (add `#[serde(default)]`).
pub mod local_opt {
    use super::*;

    /// Writes `YYYY-MM-DDTHH:MM:SS`, or null.
    pub fn serialize<S: Serializer>(t: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => local::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    /// Reads `YYYY-MM-DDTHH:MM`, with seconds, or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => parse_local(&text).map(Some).ok_or_else(|| {
                D::Error::custom(format!(
                    "{text:?} is not a local date-time YYYY-MM-DDTHH:MM"
                ))
            }),
        }
    }
}

/// The word for a weekday: `mon` … `sun`.
pub fn weekday_word(day: Weekday) -> &'static str {
    crate::calendar::weekday_key(day)
}

/// A list of weekdays, `["mon", "wed", "fri"]`.
pub mod weekdays {
    use super::*;

    /// Writes the words.
    pub fn serialize<S: Serializer>(days: &[Weekday], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(days.iter().map(|d| weekday_word(*d)))
    }

    /// Reads `mon` … `sun`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Weekday>, D::Error> {
        Vec::<String>::deserialize(d)?
            .into_iter()
            .map(|word| {
                [
                    Weekday::Mon,
                    Weekday::Tue,
                    Weekday::Wed,
                    Weekday::Thu,
                    Weekday::Fri,
                    Weekday::Sat,
                    Weekday::Sun,
                ]
                .into_iter()
                .find(|d| weekday_word(*d) == word)
                .ok_or_else(|| D::Error::custom(format!("{word:?} is not a weekday mon..sun")))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_take_minutes_or_seconds_and_are_written_with_minutes() {
        assert_eq!(parse_time("09:30"), NaiveTime::from_hms_opt(9, 30, 0));
        assert_eq!(parse_time("09:30:00"), NaiveTime::from_hms_opt(9, 30, 0));
        assert_eq!(parse_time("9h30"), None);
        assert_eq!(parse_time("24:00"), None);
        assert_eq!(
            show_time(&NaiveTime::from_hms_opt(9, 30, 0).unwrap()),
            "09:30"
        );
    }

    #[test]
    fn local_date_times_take_minutes_or_seconds() {
        let expected = chrono::NaiveDate::from_ymd_opt(2026, 3, 4)
            .unwrap()
            .and_hms_opt(12, 0, 0);
        assert_eq!(parse_local("2026-03-04T12:00"), expected);
        assert_eq!(parse_local("2026-03-04T12:00:00"), expected);
        assert_eq!(parse_local("2026-03-04"), None);
    }
}
