//! Calendar feeds: a patient pastes a secret URL into a phone calendar and
//! sees every change to their course; staff subscribe to the chair board.
//! The feeds are parsed here independently of the writer (unfold, split,
//! unescape per RFC 5545), so a bug in one is not mirrored in the other.
//! The last scenario reads them as a subscriber would, with a published
//! iCalendar parser (the `icalendar` crate), across a change of the clocks.

mod clinic;
mod patient;
mod subscriber;

use std::collections::BTreeMap;

use crate::support::*;

/// One parsed feed.
struct Feed {
    /// Unfolded calendar-level lines (outside any VEVENT).
    calendar: Vec<String>,
    /// Each VEVENT: property name (no parameters) → raw value.
    events: Vec<BTreeMap<String, String>>,
}

impl Feed {
    fn event(&self, uid: &str) -> &BTreeMap<String, String> {
        self.events
            .iter()
            .find(|e| e["UID"] == uid)
            .unwrap_or_else(|| panic!("no event {uid}"))
    }

    fn uids(&self) -> Vec<String> {
        self.events.iter().map(|e| e["UID"].clone()).collect()
    }
}

/// Checks the RFC 5545 §3.1 line rules on the raw text, then parses it.
#[track_caller]
fn parse(text: &str) -> Feed {
    assert!(text.ends_with("\r\n"), "the feed ends in CRLF");
    for line in text[..text.len() - 2].split("\r\n") {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "a bare line break in {line:?}"
        );
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    let unfolded = text.replace("\r\n ", "").replace("\r\n\t", "");
    let mut feed = Feed {
        calendar: Vec::new(),
        events: Vec::new(),
    };
    let mut current: Option<BTreeMap<String, String>> = None;
    for line in unfolded.trim_end_matches("\r\n").split("\r\n") {
        let (name, value) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("no colon in {line:?}"));
        let name = name.split(';').next().unwrap().to_string();
        match (name.as_str(), value, current.as_mut()) {
            ("BEGIN", "VEVENT", None) => current = Some(BTreeMap::new()),
            ("END", "VEVENT", Some(_)) => feed.events.push(current.take().unwrap()),
            (_, _, Some(event)) => {
                assert!(
                    event.insert(name.clone(), value.to_string()).is_none(),
                    "{name} twice in one event"
                );
            }
            (_, _, None) => feed.calendar.push(line.to_string()),
        }
    }
    assert!(current.is_none(), "an unterminated VEVENT");
    assert_eq!(
        feed.calendar.first().map(String::as_str),
        Some("BEGIN:VCALENDAR")
    );
    assert_eq!(
        feed.calendar.last().map(String::as_str),
        Some("END:VCALENDAR")
    );
    for expected in [
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ] {
        assert!(
            feed.calendar.iter().any(|l| l == expected),
            "{expected} missing"
        );
    }
    assert!(feed.calendar.iter().any(|l| l.starts_with("PRODID:")));
    feed
}

/// A TEXT value as written, unescaped.
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') | Some('N') => out.push('\n'),
                Some(other) => out.push(other),
                None => panic!("a dangling backslash in {value:?}"),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn utc_form(session: &serde_json::Value, which: &str) -> String {
    instant(session, which).format("%Y%m%dT%H%M%SZ").to_string()
}

/// GET a feed, with no key and optionally `If-None-Match`.
fn fetch(app: &App, path: &str, if_none_match: Option<&str>) -> Reply {
    let call = app.call("GET", path);
    match if_none_match {
        Some(tag) => call.header("If-None-Match", tag).send(),
        None => call.send(),
    }
}

#[track_caller]
fn calendar_ok(reply: &Reply) -> Feed {
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.content_type(), "text/calendar; charset=utf-8");
    let etag = reply.etag();
    assert!(
        etag.starts_with('"') && !etag.starts_with("W/"),
        "strong: {etag}"
    );
    parse(&reply.text)
}
