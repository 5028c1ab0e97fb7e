//! SQLite's timestamps, read without a format-string parser.
//!
//! SQLite keeps a `Timestamp` as text. diesel reads it by trying up to
//! eighteen `strftime` patterns in turn, each interpreted afresh — the
//! largest single cost of reading a clinic's sessions on SQLite (about a
//! twentieth of a booking's CPU). The store writes one shape only,
//! `YYYY-MM-DD HH:MM:SS` (optionally with a fraction, as diesel writes one);
//! that shape is read here by position. Anything else — a row written by
//! hand, say — falls back to diesel.

use chrono::{NaiveDate, NaiveDateTime};

/// `YYYY-MM-DD HH:MM:SS[.fffffffff]`, or `None` for any other text.
pub(crate) fn parse(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let n = number(20, b.len())?;
            n * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    NaiveDate::from_ymd_opt(number(0, 4)? as i32, number(5, 7)?, number(8, 10)?)?.and_hms_nano_opt(
        number(11, 13)?,
        number(14, 16)?,
        number(17, 19)?,
        nanos,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_store_writes_and_what_diesel_writes() {
        let t = NaiveDate::from_ymd_opt(2027, 3, 14)
            .unwrap()
            .and_hms_opt(7, 5, 9)
            .unwrap();
        assert_eq!(parse("2027-03-14 07:05:09"), Some(t));
        assert_eq!(
            parse("2027-03-14 07:05:09.25"),
            Some(t + chrono::Duration::milliseconds(250))
        );
        assert_eq!(parse(&t.format("%F %T%.f").to_string()), Some(t));
    }

    #[test]
    fn anything_else_is_left_to_diesel() {
        for text in [
            "2027-03-14T07:05:09",
            "2027-03-14 07:05",
            "2027-02-30 07:05:09",
            "2027-03-14 25:05:09",
            "2027-03-14 07:05:09Z",
            "2027-03-14 07:05:09.",
            "2027-03-14 07:05:09.1234567890",
            "20x7-03-14 07:05:09",
            "",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
