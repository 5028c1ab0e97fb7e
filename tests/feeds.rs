//! Calendar feeds: a patient pastes a secret URL into a phone calendar and
//! sees every change to their course; staff subscribe to the chair board.
//! The feeds are parsed here independently of the writer (unfold, split,
//! unescape per RFC 5545), so a bug in one is not mirrored in the other.

use std::collections::BTreeMap;

use chairside_store::models::PageRequest;
use chairside_store::repo::audit::{self, AuditFilter};
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
