//! Calendar feeds: a patient pastes a secret URL into a phone calendar and
//! sees every change to their course; staff subscribe to the chair board.
//! The feeds are parsed here independently of the writer (unfold, split,
//! unescape per RFC 5545), so a bug in one is not mirrored in the other.
//! The last scenario reads them as a subscriber would, with a published
//! iCalendar parser (the `icalendar` crate), across a change of the clocks.

use std::collections::BTreeMap;

use chairside_store::models::PageRequest;
use chairside_store::repo::audit::{self, AuditFilter};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Offset, TimeZone, Timelike, Utc};
use icalendar::{CalendarDateTime, Component, DatePerhapsTime, EventLike, EventStatus};
use serde_json::json;

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

fn a_patient_feed_follows_every_change_and_names_no_one(app: &App) {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-1");
    let course = app.book_induction(&clinic, patient);
    let sessions = with_status(&course, &["booked"]);
    let ids: Vec<i64> = sessions.iter().map(|s| id(s)).collect();
    let token_path = clinic.path(&format!("/patients/{patient}/calendar-token"));

    // Only staff keys issue tokens.
    app.call("POST", &token_path).send().problem(401);
    let integration = app.db.create_key("integration", Some(clinic.id));
    app.call("POST", &token_path)
        .key(&integration)
        .send()
        .problem(403);

    let issued = app.call("POST", &token_path).key(&clinic.front_desk).send();
    assert_eq!(issued.header("cache-control"), Some("no-store"));
    let issued = issued.expect(201);
    let token = issued["token"].as_str().expect("a token").to_string();
    let url = issued["url"].as_str().expect("a url").to_string();
    assert_eq!(url, format!("/calendar/{token}.ics"));
    assert!(token.len() >= 43, "32 random bytes or more: {token}");

    // No API key needed: the token is the credential.
    let first = fetch(app, &url, None);
    let feed = calendar_ok(&first);
    let expected_uids: Vec<String> = ids
        .iter()
        .map(|s| format!("session-{}-{s}@chairside", clinic.id))
        .collect();
    assert_eq!(
        feed.uids(),
        expected_uids,
        "one event per session, in time order"
    );
    for session in &sessions {
        let event = feed.event(&format!("session-{}-{}@chairside", clinic.id, id(session)));
        assert_eq!(event["DTSTART"], utc_form(session, "start"));
        assert_eq!(event["DTEND"], utc_form(session, "end"));
        assert_eq!(event["STATUS"], "CONFIRMED");
        assert_eq!(event["LOCATION"], "Harbour Infusion Clinic");
        assert!(event["SEQUENCE"].parse::<i64>().is_ok());
        assert!(event["DTSTAMP"].ends_with('Z') && event["DTSTAMP"].len() == 16);
        let summary = unescape(&event["SUMMARY"]);
        assert!(summary.starts_with("Treatment session"), "{summary}");
        let description = unescape(&event["DESCRIPTION"]);
        for words in [
            "No food for 6 hours",
            "minutes early",
            "drive you home",
            "next day",
        ] {
            assert!(description.contains(words), "{words:?} in {description:?}");
        }
    }
    assert!(
        !first.text.contains("Patient MRN-1"),
        "the display name leaked"
    );
    assert!(
        !first.text.contains("MRN-1"),
        "the external reference leaked"
    );

    // Stable while nothing changes: same body, same ETag, same UIDs.
    let again = fetch(app, &url, None);
    assert_eq!(again.text, first.text);
    assert_eq!(again.etag(), first.etag());
    assert_eq!(parse(&again.text).uids(), expected_uids);

    // The subscriber's copy is current: 304, no body.
    let unchanged = fetch(app, &url, Some(&first.etag()));
    assert_eq!(unchanged.status, 304, "{unchanged:?}");
    assert!(unchanged.text.is_empty());
    assert_eq!(unchanged.etag(), first.etag());

    // Reschedule one session: same UID, a later time, SEQUENCE up.
    let moved_uid = &expected_uids[1];
    let sequence_before: i64 = feed.event(moved_uid)["SEQUENCE"].parse().unwrap();
    let moved = app
        .act(
            &clinic,
            ids[1],
            "reschedule",
            Some(&json!({
                "to": {"local_start": format!("{}T14:00:00", local_date(sessions[1]))},
                "reason": "the patient asked for the afternoon",
            })),
        )
        .expect(200);
    let after_move = fetch(app, &url, Some(&first.etag()));
    let moved_feed = calendar_ok(&after_move);
    assert_ne!(after_move.etag(), first.etag());
    let event = moved_feed.event(moved_uid);
    assert!(
        event["SEQUENCE"].parse::<i64>().unwrap() > sequence_before,
        "{event:?}"
    );
    assert_eq!(event["DTSTART"], utc_form(&moved["session"], "start"));
    assert_eq!(moved_feed.events.len(), 6, "a move adds no event");
    for uid in expected_uids.iter().filter(|u| *u != moved_uid) {
        assert_eq!(
            moved_feed.event(uid),
            feed.event(uid),
            "untouched sessions are unchanged"
        );
    }

    // Cancel another: still there, marked cancelled, SEQUENCE up.
    let cancelled_uid = &expected_uids[2];
    let sequence_before: i64 = moved_feed.event(cancelled_uid)["SEQUENCE"].parse().unwrap();
    app.act(
        &clinic,
        ids[2],
        "cancel",
        Some(&json!({"scope": "this", "reason": "travelling"})),
    )
    .expect(200);
    let after_cancel = calendar_ok(&fetch(app, &url, None));
    let event = after_cancel.event(cancelled_uid);
    assert_eq!(event["STATUS"], "CANCELLED");
    assert!(event["SEQUENCE"].parse::<i64>().unwrap() > sequence_before);
    let confirmed = after_cancel
        .events
        .iter()
        .filter(|e| e["STATUS"] == "CONFIRMED")
        .count();
    assert_eq!(
        confirmed,
        after_cancel.events.len() - 1,
        "only that one is cancelled"
    );

    // Rotating: the old URL stops working at once, the new one works.
    let rotated = app
        .call("POST", &token_path)
        .key(&clinic.front_desk)
        .send()
        .expect(201);
    let new_url = rotated["url"].as_str().unwrap().to_string();
    assert_ne!(new_url, url);
    fetch(app, &url, None).problem(404);
    assert_eq!(
        calendar_ok(&fetch(app, &new_url, None)).uids(),
        after_cancel.uids()
    );

    // Revoking: 204, then 404 (also for a second revoke's feed).
    app.call("DELETE", &token_path)
        .key(&clinic.front_desk)
        .send()
        .expect(204);
    fetch(app, &new_url, None).problem(404);
    app.call("DELETE", &token_path)
        .key(&clinic.front_desk)
        .send()
        .expect(204);
    fetch(app, "/calendar/not-a-token.ics", None).problem(404);
    fetch(
        app,
        &format!("/calendar/{}.{}.ics", clinic.id, "A".repeat(43)),
        None,
    )
    .problem(404);

    // The trail says who issued and revoked, never the token.
    let trail = app
        .db
        .store()
        .read(|conn| {
            audit::list(
                conn,
                Some(clinic.id),
                &AuditFilter {
                    entity_type: Some("patient".into()),
                    entity_id: Some(patient),
                },
                PageRequest {
                    after_id: None,
                    limit: 100,
                },
            )
        })
        .expect("read the audit trail")
        .items;
    let actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.starts_with("patient.calendar_token"))
            .count(),
        4,
        "{actions:?}"
    );
    let secret = token.split_once('.').map_or(token.as_str(), |(_, s)| s);
    for row in &trail {
        let text = format!("{:?} {:?}", row.before, row.after);
        assert!(!text.contains(secret), "a token in the audit trail: {text}");
    }
}
on_every_backend!(a_patient_feed_follows_every_change_and_names_no_one);

fn the_clinic_feed_is_for_staff_and_titled_by_chair(app: &App) {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-7");
    let course = app.book_induction(&clinic, patient);
    let sessions = with_status(&course, &["booked"]);
    let path = clinic.path("/calendar.ics");

    app.call("GET", &path).send().problem(401);
    let integration = app.db.create_key("integration", Some(clinic.id));
    app.get(&integration, &path).problem(403);

    let reply = app.get(&clinic.front_desk, &path);
    let feed = calendar_ok(&reply);
    assert_eq!(feed.events.len(), sessions.len());
    for session in &sessions {
        let event = feed.event(&format!("session-{}-{}@chairside", clinic.id, id(session)));
        let summary = unescape(&event["SUMMARY"]);
        assert!(
            summary.starts_with("Chair ") && summary.ends_with(": session"),
            "{summary}"
        );
        assert_eq!(event["DTSTART"], utc_form(session, "start"));
        assert_eq!(event["STATUS"], "CONFIRMED");
    }
    assert!(
        !reply.text.contains("MRN-7"),
        "no patient in the chair board"
    );

    let unchanged = app
        .call("GET", &path)
        .key(&clinic.front_desk)
        .header("If-None-Match", &reply.etag())
        .send();
    assert_eq!(unchanged.status, 304, "{unchanged:?}");
    assert!(unchanged.text.is_empty());

    // The same UIDs as the patient's own feed: one session, one event.
    let token_path = clinic.path(&format!("/patients/{patient}/calendar-token"));
    let issued = app
        .call("POST", &token_path)
        .key(&clinic.front_desk)
        .send()
        .expect(201);
    let own = calendar_ok(&fetch(app, issued["url"].as_str().unwrap(), None));
    assert_eq!(own.uids(), feed.uids());

    // A key of another clinic may not read this one's board.
    let other = app.clinic_with("Other Clinic", weekday_hours(), 1);
    app.get(&other.front_desk, &path).problem(403);
}
on_every_backend!(the_clinic_feed_is_for_staff_and_titled_by_chair);

/// One VEVENT as the `icalendar` crate reads it.
#[derive(Clone, Debug, PartialEq)]
struct Read {
    uid: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    sequence: u32,
    status: EventStatus,
    summary: String,
    description: String,
    location: String,
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
fn read_with_icalendar(text: &str) -> BTreeMap<String, Read> {
    let unfolded = icalendar::parser::unfold(text);
    let raw = icalendar::parser::read_calendar(&unfolded)
        .unwrap_or_else(|e| panic!("icalendar cannot parse the feed: {e}\n{text}"));
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

    let written = vevents.len();
    let calendar = icalendar::Calendar::from(raw);
    let mut events = BTreeMap::new();
    for event in calendar.events() {
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
        assert!(events.insert(uid.clone(), read).is_none(), "{uid} twice");
    }
    assert_eq!(events.len(), written, "every VEVENT read as an event");
    events
}

/// The first date after `after` on which New York's clocks have changed
/// (its UTC offset at noon differs from the day before's).
fn next_clock_change(after: NaiveDate) -> NaiveDate {
    let offset = |day: NaiveDate| {
        ZONE.from_local_datetime(&day.and_hms_opt(12, 0, 0).unwrap())
            .single()
            .expect("noon is never ambiguous")
            .offset()
            .fix()
            .local_minus_utc()
    };
    (1..=400)
        .map(|n| after + Duration::days(n))
        .find(|day| offset(*day) != offset(*day - Duration::days(1)))
        .expect("a change of the clocks within 400 days")
}

/// Both feeds, parsed: the patient's (token URL) and the clinic's board.
fn read_both(app: &App, clinic: &Clinic, url: &str) -> [BTreeMap<String, Read>; 2] {
    let own = fetch(app, url, None);
    assert_eq!(own.status, 200, "{own:?}");
    let board = app.get(&clinic.front_desk, &clinic.path("/calendar.ics"));
    assert_eq!(board.status, 200, "{board:?}");
    [
        read_with_icalendar(&own.text),
        read_with_icalendar(&board.text),
    ]
}

/// Every session of the course is an event in both feeds, at the API's
/// `start` and `end` to the second, and the two feeds agree on it.
#[track_caller]
fn assert_feeds_match_api(
    clinic: &Clinic,
    feeds: &[BTreeMap<String, Read>; 2],
    sessions: &[&serde_json::Value],
) {
    let [own, board] = feeds;
    assert_eq!(own.len(), sessions.len(), "one event per session: {own:?}");
    assert_eq!(
        board.len(),
        sessions.len(),
        "one event per session: {board:?}"
    );
    for session in sessions {
        let uid = format!("session-{}-{}@chairside", clinic.id, id(session));
        let event = own.get(&uid).unwrap_or_else(|| panic!("no {uid}"));
        assert_eq!(event.start, instant(session, "start"), "{uid}: {session}");
        assert_eq!(event.end, instant(session, "end"), "{uid}: {session}");
        let expected = if session["status"] == "cancelled" {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        };
        assert_eq!(event.status, expected, "{uid}: {session}");
        let on_board = board
            .get(&uid)
            .unwrap_or_else(|| panic!("{uid} not on the board"));
        assert_eq!(
            (
                on_board.start,
                on_board.end,
                on_board.sequence,
                on_board.status
            ),
            (event.start, event.end, event.sequence, event.status),
            "{uid}: the two feeds disagree"
        );
    }
}

/// An induction booked across New York's next change of the clocks, read
/// from both feeds by the `icalendar` crate after booking, a reschedule and
/// a cancellation. (Run on 2026-11-26, the change is 2027-03-14, spring
/// forward: 10:00 is 15:00Z before it and 14:00Z after.)
fn both_feeds_read_right_with_an_icalendar_parser_across_a_clock_change(app: &App) {
    let change = next_clock_change(today() + Duration::days(7));
    let earliest = change - Duration::days(6);
    let ten = NaiveTime::from_hms_opt(10, 0, 0).unwrap();
    let display_name = "Patient MRN-DST";

    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-DST");
    let protocol = app.protocol_id(&clinic, "iv-ketamine-standard");
    let course = app
        .post(
            &clinic.front_desk,
            &clinic.path("/courses"),
            &json!({
                "patient_id": patient,
                "protocol_id": protocol,
                "earliest": earliest.to_string(),
                "preferences": {"preferred_start": "10:00"},
            }),
        )
        .expect(201);
    let course_id = course["id"].as_i64().expect("course id");
    let booked = with_status(&course, &["booked"]);
    assert_eq!(booked.len(), 6, "{course}");
    let (before, after): (Vec<&serde_json::Value>, Vec<&serde_json::Value>) =
        booked.iter().partition(|s| local_date(s) < change);
    assert!(
        !before.is_empty() && !after.is_empty(),
        "the induction straddles {change}: {course}"
    );

    let issued = app
        .call(
            "POST",
            &clinic.path(&format!("/patients/{patient}/calendar-token")),
        )
        .key(&clinic.front_desk)
        .send()
        .expect(201);
    let url = issued["url"].as_str().expect("a url").to_string();

    // As booked: every event where the API says, at 10:00 New York time on
    // both sides of the change, the UTC hour moving by the offset's change.
    let first = read_both(app, &clinic, &url);
    assert_feeds_match_api(&clinic, &first, &booked);
    let utc_hours = |sessions: &[&serde_json::Value]| -> Vec<u32> {
        sessions
            .iter()
            .map(|s| {
                let uid = format!("session-{}-{}@chairside", clinic.id, id(s));
                let event = &first[0][&uid];
                let local = event.start.with_timezone(&ZONE);
                assert_eq!(local.time(), ten, "{uid} at {local}, not 10:00");
                assert_eq!(local.date_naive(), local_date(s), "{uid}");
                event.start.hour()
            })
            .collect()
    };
    let (hours_before, hours_after) = (utc_hours(&before), utc_hours(&after));
    let offset_hours = |day: NaiveDate| {
        ZONE.from_local_datetime(&day.and_time(ten))
            .single()
            .unwrap()
            .offset()
            .fix()
            .local_minus_utc()
            / 3600
    };
    let shift = offset_hours(change) - offset_hours(change - Duration::days(1));
    assert_eq!(shift.abs(), 1, "a change of the clocks moves them one hour");
    for hour in &hours_before {
        assert_eq!(*hour, hours_before[0], "{hours_before:?}");
    }
    for hour in &hours_after {
        assert_eq!(*hour, hours_after[0], "{hours_after:?}");
    }
    assert_eq!(
        i64::from(hours_before[0]) - i64::from(hours_after[0]),
        i64::from(shift),
        "UTC hours {hours_before:?} before {change}, {hours_after:?} after"
    );

    // Reschedule the first session after the change to 14:00 that day:
    // same UID, SEQUENCE up, DTSTART at 14:00 New York daylight time.
    let moved_id = id(after[0]);
    let moved_uid = format!("session-{}-{moved_id}@chairside", clinic.id);
    let moved_day = local_date(after[0]);
    let moved = app
        .act(
            &clinic,
            moved_id,
            "reschedule",
            Some(&json!({
                "to": {"local_start": format!("{moved_day}T14:00:00")},
                "reason": "the patient asked for the afternoon",
            })),
        )
        .expect(200);
    let expected_start = ZONE
        .from_local_datetime(&moved_day.and_hms_opt(14, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(instant(&moved["session"], "start"), expected_start);
    let second = read_both(app, &clinic, &url);
    let course_now = app.course(&clinic, course_id);
    assert_feeds_match_api(
        &clinic,
        &second,
        &with_status(&course_now, &["booked", "cancelled"]),
    );
    for feed in 0..2 {
        let (was, is) = (&first[feed][&moved_uid], &second[feed][&moved_uid]);
        assert!(
            is.sequence > was.sequence,
            "SEQUENCE up: {was:?} then {is:?}"
        );
        assert_ne!(is.start, was.start, "DTSTART moved");
        assert_eq!(is.start, expected_start, "{is:?}");
        assert_eq!(is.end - is.start, was.end - was.start, "same length");
        for (uid, event) in &second[feed] {
            if *uid != moved_uid {
                assert_eq!(event, &first[feed][uid], "untouched sessions stay");
            }
        }
    }

    // Cancel the last session before the change: kept, CANCELLED, SEQUENCE up.
    let cancelled_id = id(before[before.len() - 1]);
    let cancelled_uid = format!("session-{}-{cancelled_id}@chairside", clinic.id);
    app.act(
        &clinic,
        cancelled_id,
        "cancel",
        Some(&json!({"scope": "this", "reason": "travelling"})),
    )
    .expect(200);
    let third = read_both(app, &clinic, &url);
    let course_now = app.course(&clinic, course_id);
    assert_feeds_match_api(
        &clinic,
        &third,
        &with_status(&course_now, &["booked", "cancelled"]),
    );
    for feed in 0..2 {
        let (was, is) = (&second[feed][&cancelled_uid], &third[feed][&cancelled_uid]);
        assert_eq!(is.status, EventStatus::Cancelled, "{is:?}");
        assert!(
            is.sequence > was.sequence,
            "SEQUENCE up: {was:?} then {is:?}"
        );
        assert_eq!(
            third[feed]
                .values()
                .filter(|e| e.status == EventStatus::Cancelled)
                .count(),
            1,
            "only that one is cancelled"
        );
    }

    // No patient name anywhere a calendar shows or keys by.
    for feed in [&first, &second, &third].iter().flat_map(|f| f.iter()) {
        for event in feed.values() {
            for (field, value) in [
                ("SUMMARY", &event.summary),
                ("DESCRIPTION", &event.description),
                ("UID", &event.uid),
                ("LOCATION", &event.location),
            ] {
                assert!(
                    !value.contains(display_name) && !value.contains("MRN-DST"),
                    "{field} names the patient: {value:?}"
                );
            }
        }
    }
}
on_every_backend!(both_feeds_read_right_with_an_icalendar_parser_across_a_clock_change);
