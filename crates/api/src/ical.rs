//! A small iCalendar (RFC 5545) writer: just what a published, read-only
//! feed of sessions needs.
//!
//! Three rules of the format that phone calendars are strict about, kept in
//! one place: every line ends in CRLF (§3.1), no line is longer than 75
//! octets, a longer one is folded with CRLF and one space, never inside a
//! multi-byte character (§3.1), and TEXT values escape backslash, semicolon,
//! comma and newline (§3.3.11).
//!
//! ```
//! use chairside_api::ical::{Calendar, Event, EventStatus};
//! use chrono::{TimeZone, Utc};
//!
//! let at = Utc.with_ymd_and_hms(2026, 3, 9, 14, 0, 0).unwrap();
//! let mut calendar = Calendar::new("-//Chairside//Calendar feed//EN", "Sessions");
//! calendar.event(&Event {
//!     uid: "session-1-7@chairside".into(),
//!     sequence: 1,
//!     stamp: at,
//!     start: at,
//!     end: at + chrono::Duration::minutes(90),
//!     summary: "Treatment session".into(),
//!     description: "No food for 6 hours before, please.".into(),
//!     location: "Harbour Infusion Clinic".into(),
//!     status: EventStatus::Confirmed,
//! });
//! let text = calendar.finish();
//! assert!(text.contains("DTSTART:20260309T140000Z\r\n"));
//! assert!(text.contains("DESCRIPTION:No food for 6 hours before\\, please.\r\n"));
//! ```

use chrono::{DateTime, Utc};

/// The line break of every content line.
pub const CRLF: &str = "\r\n";

/// The longest content line, in octets, line break excluded (RFC 5545 §3.1).
pub const MAX_LINE_OCTETS: usize = 75;

/// How often subscribers should poll the feed (RFC 7986 `REFRESH-INTERVAL`,
/// and the older `X-PUBLISHED-TTL` that Outlook reads).
pub const REFRESH: &str = "PT1H";

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma
/// get a backslash, any line break becomes `\n`. Other control characters
/// are not allowed in TEXT and are dropped; a tab stays.
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                // CRLF is one line break, not two.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded: at most 75 octets per physical line (a
/// continuation's leading space counts), each ending in CRLF. A cut never
/// falls inside a UTF-8 sequence, so a line may be a few octets shorter.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 64 * 3 + 2);
    let mut rest = line;
    let mut room = MAX_LINE_OCTETS;
    while rest.len() > room {
        let mut cut = room;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str(CRLF);
        out.push(' ');
        rest = &rest[cut..];
        // The leading space takes one octet of the next line.
        room = MAX_LINE_OCTETS - 1;
    }
    out.push_str(rest);
    out.push_str(CRLF);
    out
}

/// A UTC DATE-TIME value: `YYYYMMDDTHHMMSSZ` (RFC 5545 §3.3.5, form 2).
pub fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventStatus {
    /// It takes place.
    Confirmed,
    /// It does not; subscribers keep it, marked cancelled.
    Cancelled,
}

impl EventStatus {
    fn as_str(self) -> &'static str {
        match self {
            EventStatus::Confirmed => "CONFIRMED",
            EventStatus::Cancelled => "CANCELLED",
        }
    }
}

/// One `VEVENT`. Text fields are given plain; the writer escapes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Stable across every version of the event.
    pub uid: String,
    /// Grows on every change of the event.
    pub sequence: i64,
    /// `DTSTAMP`: when this version of the event was last changed.
    pub stamp: DateTime<Utc>,
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
    /// Title.
    pub summary: String,
    /// Notes; may span lines.
    pub description: String,
    /// Where.
    pub location: String,
    /// Confirmed or cancelled.
    pub status: EventStatus,
}

/// A `VCALENDAR` being written: header on creation, events one by one,
/// footer on [`Calendar::finish`].
#[derive(Clone, Debug)]
pub struct Calendar {
    out: String,
}

impl Calendar {
    /// Starts a published calendar (`METHOD:PUBLISH`) with its product id
    /// and display name, asking subscribers to refresh every [`REFRESH`].
    pub fn new(prodid: &str, name: &str) -> Self {
        let mut calendar = Calendar { out: String::new() };
        calendar.line("BEGIN", "VCALENDAR");
        calendar.line("VERSION", "2.0");
        calendar.text("PRODID", prodid);
        calendar.line("CALSCALE", "GREGORIAN");
        calendar.line("METHOD", "PUBLISH");
        calendar.text("X-WR-CALNAME", name);
        calendar.line("REFRESH-INTERVAL;VALUE=DURATION", REFRESH);
        calendar.line("X-PUBLISHED-TTL", REFRESH);
        calendar
    }

    /// Appends an event.
    pub fn event(&mut self, event: &Event) {
        self.line("BEGIN", "VEVENT");
        self.text("UID", &event.uid);
        self.line("SEQUENCE", &event.sequence.to_string());
        self.line("DTSTAMP", &utc(event.stamp));
        self.line("DTSTART", &utc(event.start));
        self.line("DTEND", &utc(event.end));
        self.text("SUMMARY", &event.summary);
        self.text("DESCRIPTION", &event.description);
        self.text("LOCATION", &event.location);
        self.line("STATUS", event.status.as_str());
        self.line("TRANSP", "OPAQUE");
        self.line("END", "VEVENT");
    }

    /// Closes the calendar and returns its text.
    pub fn finish(mut self) -> String {
        self.line("END", "VCALENDAR");
        self.out
    }

    /// A property whose value is already in its iCalendar form.
    fn line(&mut self, name: &str, value: &str) {
        self.out.push_str(&fold(&format!("{name}:{value}")));
    }

    /// A TEXT property.
    fn text(&mut self, name: &str, value: &str) {
        self.line(name, &escape_text(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Undoes folding (RFC 5545 §3.1): CRLF followed by one space or tab.
    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "").replace("\r\n\t", "")
    }

    fn physical_lines(folded: &str) -> Vec<&str> {
        assert!(folded.ends_with(CRLF), "{folded:?} ends in CRLF");
        folded[..folded.len() - 2].split(CRLF).collect()
    }

    #[test]
    fn a_line_of_exactly_75_octets_is_not_folded() {
        let line = format!("SUMMARY:{}", "x".repeat(75 - "SUMMARY:".len()));
        assert_eq!(line.len(), 75);
        assert_eq!(fold(&line), format!("{line}\r\n"));
    }

    #[test]
    fn a_line_of_76_octets_is_folded_after_75() {
        let line = "y".repeat(76);
        let folded = fold(&line);
        assert_eq!(folded, format!("{}\r\n y\r\n", "y".repeat(75)));
        assert_eq!(unfold(&folded), format!("{line}\r\n"));
    }

    #[test]
    fn continuation_lines_count_their_leading_space() {
        let line = "z".repeat(75 + 74 + 74 + 10);
        let folded = fold(&line);
        let lines = physical_lines(&folded);
        assert_eq!(
            lines.iter().map(|l| l.len()).collect::<Vec<_>>(),
            vec![75, 75, 75, 11]
        );
        assert!(lines[1..].iter().all(|l| l.starts_with(' ')));
        assert_eq!(unfold(&folded), format!("{line}\r\n"));
    }

    #[test]
    fn folding_never_splits_a_multi_byte_character() {
        // 2-, 3- and 4-octet characters, shifted so that every one of them
        // straddles a 75-octet boundary at some offset.
        for filler in 0..8 {
            for piece in ["é", "€", "治", "💉", "a€💉é"] {
                let line = format!("DESCRIPTION:{}{}", "-".repeat(filler), piece.repeat(60));
                let folded = fold(&line);
                // Slicing at a non-boundary would have panicked; check the
                // lengths and that nothing was lost or changed.
                let lines = physical_lines(&folded);
                let last = lines.len() - 1;
                for (i, physical) in lines.into_iter().enumerate() {
                    assert!(physical.len() <= MAX_LINE_OCTETS, "line {i}: {physical:?}");
                    // Backing off a 4-octet character costs at most 3.
                    assert!(
                        i == last || physical.len() >= MAX_LINE_OCTETS - 3,
                        "cut early: {physical:?}"
                    );
                }
                assert_eq!(unfold(&folded), format!("{line}\r\n"));
            }
        }
    }

    #[test]
    fn a_four_octet_character_at_the_boundary_moves_whole_to_the_next_line() {
        let line = format!("{}💉tail", "a".repeat(73));
        let folded = fold(&line);
        assert_eq!(folded, format!("{}\r\n 💉tail\r\n", "a".repeat(73)));
    }

    #[test]
    fn text_escapes_backslash_semicolon_comma_and_newlines() {
        assert_eq!(
            escape_text("a\\b;c,d\ne\r\nf\rg"),
            "a\\\\b\\;c\\,d\\ne\\nf\\ng"
        );
        assert_eq!(escape_text("tab\there\u{7}"), "tab\there");
        assert_eq!(escape_text("Chair 2: session"), "Chair 2: session");
    }

    #[test]
    fn utc_date_times_have_the_z_form() {
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 5, 30, 7).unwrap();
        assert_eq!(utc(at), "20261101T053007Z");
    }

    fn event(summary: &str, description: &str, status: EventStatus) -> Event {
        let start = Utc.with_ymd_and_hms(2026, 3, 9, 14, 0, 0).unwrap();
        Event {
            uid: "session-3-41@chairside".into(),
            sequence: 4,
            stamp: Utc.with_ymd_and_hms(2026, 3, 1, 9, 15, 0).unwrap(),
            start,
            end: start + chrono::Duration::minutes(130),
            summary: summary.into(),
            description: description.into(),
            location: "Harbour Infusion Clinic, Suite 2".into(),
            status,
        }
    }

    #[test]
    fn a_calendar_is_crlf_throughout_with_short_lines() {
        let mut calendar = Calendar::new("-//Chairside//Test//EN", "Sessions");
        let long = "No food for 6 hours before your session; arrive 15 minutes early for vitals.\nA responsible adult must drive you home.\nDo not drive until the next day. Ünïcödé ✓";
        calendar.event(&event(
            "Treatment session, Chair 2",
            long,
            EventStatus::Confirmed,
        ));
        calendar.event(&event(
            "Cancelled: Treatment session",
            "",
            EventStatus::Cancelled,
        ));
        let text = calendar.finish();
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'), "a bare LF");
        assert!(!text.replace("\r\n", "").contains('\r'), "a bare CR");
        for line in physical_lines(&text) {
            assert!(line.len() <= MAX_LINE_OCTETS, "{line:?}");
        }
        let unfolded = unfold(&text);
        let lines: Vec<&str> = unfolded.split("\r\n").collect();
        for expected in [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Chairside//Test//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
            "X-PUBLISHED-TTL:PT1H",
            "UID:session-3-41@chairside",
            "SEQUENCE:4",
            "DTSTAMP:20260301T091500Z",
            "DTSTART:20260309T140000Z",
            "DTEND:20260309T161000Z",
            "SUMMARY:Treatment session\\, Chair 2",
            "LOCATION:Harbour Infusion Clinic\\, Suite 2",
            "STATUS:CONFIRMED",
            "STATUS:CANCELLED",
        ] {
            assert!(lines.contains(&expected), "{expected:?} in\n{unfolded}");
        }
        let description = lines
            .iter()
            .find(|l| l.starts_with("DESCRIPTION:No food"))
            .expect("the long description");
        assert_eq!(
            *description,
            format!("DESCRIPTION:{}", escape_text(long)),
            "unfolds to the escaped text"
        );
        assert_eq!(lines.iter().filter(|l| **l == "BEGIN:VEVENT").count(), 2);
        assert_eq!(lines.iter().filter(|l| **l == "END:VEVENT").count(), 2);
    }
}
