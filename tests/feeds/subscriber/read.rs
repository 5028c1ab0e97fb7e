//! A feed read the way a subscriber's calendar reads it: with a published
//! iCalendar parser (the `icalendar` crate), independent of the writer.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use icalendar::{CalendarDateTime, Component, DatePerhapsTime, EventLike, EventStatus};

/// One VEVENT as the `icalendar` crate reads it.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Read {
    pub(super) uid: String,
    pub(super) start: DateTime<Utc>,
    pub(super) end: DateTime<Utc>,
    pub(super) sequence: u32,
    pub(super) status: EventStatus,
    pub(super) summary: String,
    pub(super) description: String,
    pub(super) location: String,
}

/// A DATE-TIME in UTC form (`…Z`); a DATE, a floating time or a TZID is
/// not what the feeds promise.
#[track_caller]
fn utc_of(uid: &str, name: &str, value: Option<DatePerhapsTime>) -> DateTime<Utc> {
    match value {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(at))) => at,
        other => panic!("{uid}: {name} is not a UTC DATE-TIME: {other:?}"),
    }
}

/// Parses a feed with the `icalendar` crate: one VCALENDAR of VERSION 2.0
/// whose every VEVENT reads with UID, UTC DTSTART/DTEND/DTSTAMP, SEQUENCE
/// and STATUS, none of them given twice. Events by UID.
#[track_caller]
pub(super) fn read_with_icalendar(text: &str) -> BTreeMap<String, Read> {
    let unfolded = icalendar::parser::unfold(text);
    let raw = icalendar::parser::read_calendar(&unfolded)
        .unwrap_or_else(|e| panic!("icalendar cannot parse the feed: {e}\n{text}"));
    let written = assert_calendar_of_vevents(&raw, text);
    let mut events = BTreeMap::new();
    for event in icalendar::Calendar::from(raw).events() {
        let read = read_event(event);
        let uid = read.uid.clone();
        assert!(events.insert(uid.clone(), read).is_none(), "{uid} twice");
    }
    assert_eq!(events.len(), written, "every VEVENT read as an event");
    events
}

/// The calendar says VERSION 2.0 and has a PRODID; every VEVENT written is
/// read as one, and gives each required property exactly once. Returns
/// how many VEVENTs there are.
#[track_caller]
fn assert_calendar_of_vevents(raw: &icalendar::parser::Calendar, text: &str) -> usize {
    let value_of = |name: &str| {
        raw.properties
            .iter()
            .find(|p| p.name.as_str() == name)
            .map(|p| p.val.as_str().to_string())
    };
    assert_eq!(value_of("VERSION").as_deref(), Some("2.0"));
    assert!(value_of("PRODID").is_some(), "no PRODID");
    let vevents: Vec<_> = raw
        .components
        .iter()
        .filter(|c| c.name.as_str() == "VEVENT")
        .collect();
    assert_eq!(
        vevents.len(),
        text.matches("\r\nBEGIN:VEVENT\r\n").count(),
        "every VEVENT written is a VEVENT read"
    );
    for vevent in &vevents {
        for name in ["UID", "DTSTART", "DTEND", "DTSTAMP", "SEQUENCE", "STATUS"] {
            let count = vevent
                .properties
                .iter()
                .filter(|p| p.name.as_str() == name)
                .count();
            assert_eq!(count, 1, "{name} {count} times in {vevent:?}");
        }
    }
    vevents.len()
}

/// One event as a subscriber reads it: times in UTC, a numeric SEQUENCE, a
/// known STATUS, a DTSTAMP, and an end after its start.
#[track_caller]
fn read_event(event: &icalendar::Event) -> Read {
    let uid = event.get_uid().expect("a UID").to_string();
    let read = Read {
        start: utc_of(&uid, "DTSTART", event.get_start()),
        end: utc_of(&uid, "DTEND", event.get_end()),
        sequence: event
            .get_sequence()
            .unwrap_or_else(|| panic!("{uid}: SEQUENCE is not a number")),
        status: event
            .get_status()
            .unwrap_or_else(|| panic!("{uid}: no known STATUS")),
        summary: event.get_summary().unwrap_or_default().to_string(),
        description: event.get_description().unwrap_or_default().to_string(),
        location: event.get_location().unwrap_or_default().to_string(),
        uid: uid.clone(),
    };
    assert!(
        event.get_timestamp().is_some(),
        "{uid}: DTSTAMP is not a UTC DATE-TIME"
    );
    assert!(read.end > read.start, "{read:?}");
    read
}
