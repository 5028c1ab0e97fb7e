//! Both feeds read as a subscriber reads them, with a published iCalendar
//! parser (the `icalendar` crate), across a change of the clocks.

mod read;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Offset, TimeZone, Timelike, Utc};
use icalendar::EventStatus;
use serde_json::{json, Value};

use super::*;
use crate::support::*;
use read::{read_with_icalendar, Read};

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
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-DST");
    let course = book_at_ten(app, &clinic, patient, change - Duration::days(6));
    let course_id = course["id"].as_i64().expect("course id");
    let booked = with_status(&course, &["booked"]);
    assert_eq!(booked.len(), 6, "{course}");
    let (before, after): (Vec<&Value>, Vec<&Value>) =
        booked.iter().partition(|s| local_date(s) < change);
    assert!(
        !before.is_empty() && !after.is_empty(),
        "the induction straddles {change}: {course}"
    );
    let url = feed_url(app, &clinic, patient);

    // As booked: every event where the API says, at 10:00 New York time on
    // both sides of the change, the UTC hour moving by the offset's change.
    let first = read_both(app, &clinic, &url);
    assert_feeds_match_api(&clinic, &first, &booked);
    assert_ten_oclock_across(&clinic, &first[0], (&before, &after), change);

    // Reschedule the first session after the change to 14:00 that day:
    // same UID, SEQUENCE up, DTSTART at 14:00 New York daylight time.
    let moved_uid = uid(&clinic, id(after[0]));
    let moved_to = reschedule_to_two_pm(app, &clinic, after[0]);
    let second = read_both(app, &clinic, &url);
    assert_feeds_match_course(app, &clinic, &second, course_id);
    assert_only_moved(&first, &second, &moved_uid, moved_to);

    // Cancel the last session before the change: kept, CANCELLED, SEQUENCE up.
    let cancelled = id(before[before.len() - 1]);
    app.act(
        &clinic,
        cancelled,
        "cancel",
        Some(&json!({"scope": "this", "reason": "travelling"})),
    )
    .expect(200);
    let third = read_both(app, &clinic, &url);
    assert_feeds_match_course(app, &clinic, &third, course_id);
    assert_only_cancelled(&second, &third, &uid(&clinic, cancelled));

    assert_names_no_one(&[&first, &second, &third], &["Patient MRN-DST", "MRN-DST"]);
}
on_every_backend!(both_feeds_read_right_with_an_icalendar_parser_across_a_clock_change);

/// The UID both feeds give a session.
fn uid(clinic: &Clinic, session: i64) -> String {
    format!("session-{}-{session}@chairside", clinic.id)
}

/// Books an IV-ketamine induction from `earliest`, preferring 10:00.
fn book_at_ten(app: &App, clinic: &Clinic, patient: i64, earliest: NaiveDate) -> Value {
    let protocol = app.protocol_id(clinic, "iv-ketamine-standard");
    app.post(
        &clinic.front_desk,
        &clinic.path("/courses"),
        &json!({
            "patient_id": patient,
            "protocol_id": protocol,
            "earliest": earliest.to_string(),
            "preferences": {"preferred_start": "10:00"},
        }),
    )
    .expect(201)
}

/// Issues the patient's calendar token; returns the feed's URL.
fn feed_url(app: &App, clinic: &Clinic, patient: i64) -> String {
    let issued = app
        .call(
            "POST",
            &clinic.path(&format!("/patients/{patient}/calendar-token")),
        )
        .key(&clinic.front_desk)
        .send()
        .expect(201);
    issued["url"].as_str().expect("a url").to_string()
}

/// Every session of the course as it stands now (booked or cancelled) is in
/// both feeds as the API says (see [`assert_feeds_match_api`]).
#[track_caller]
fn assert_feeds_match_course(
    app: &App,
    clinic: &Clinic,
    feeds: &[BTreeMap<String, Read>; 2],
    course: i64,
) {
    let course = app.course(clinic, course);
    assert_feeds_match_api(
        clinic,
        feeds,
        &with_status(&course, &["booked", "cancelled"]),
    );
}

/// In the feed, every session starts at 10:00 New York time on its own
/// date; the UTC hour is the same on each side of the change, and moves
/// by exactly the offset's change (one hour) across it.
#[track_caller]
fn assert_ten_oclock_across(
    clinic: &Clinic,
    feed: &BTreeMap<String, Read>,
    (before, after): (&[&Value], &[&Value]),
    change: NaiveDate,
) {
    let ten = NaiveTime::from_hms_opt(10, 0, 0).unwrap();
    let utc_hours = |sessions: &[&Value]| -> Vec<u32> {
        sessions
            .iter()
            .map(|s| {
                let uid = uid(clinic, id(s));
                let event = &feed[&uid];
                let local = event.start.with_timezone(&ZONE);
                assert_eq!(local.time(), ten, "{uid} at {local}, not 10:00");
                assert_eq!(local.date_naive(), local_date(s), "{uid}");
                event.start.hour()
            })
            .collect()
    };
    let (hours_before, hours_after) = (utc_hours(before), utc_hours(after));
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
}

/// Moves the session to 14:00 New York time on its day; returns that
/// instant, which the reply must show.
fn reschedule_to_two_pm(app: &App, clinic: &Clinic, session: &Value) -> DateTime<Utc> {
    let day = local_date(session);
    let moved = app
        .act(
            clinic,
            id(session),
            "reschedule",
            Some(&json!({
                "to": {"local_start": format!("{day}T14:00:00")},
                "reason": "the patient asked for the afternoon",
            })),
        )
        .expect(200);
    let two_pm = ZONE
        .from_local_datetime(&day.and_hms_opt(14, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(instant(&moved["session"], "start"), two_pm);
    two_pm
}

/// In each feed the moved event kept its UID and length, starts at
/// `moved_to` and has a higher SEQUENCE; every other event is as it was.
#[track_caller]
fn assert_only_moved(
    was: &[BTreeMap<String, Read>; 2],
    is: &[BTreeMap<String, Read>; 2],
    moved_uid: &str,
    moved_to: DateTime<Utc>,
) {
    for feed in 0..2 {
        let (was, is) = (&was[feed], &is[feed]);
        let (before, after) = (&was[moved_uid], &is[moved_uid]);
        assert!(
            after.sequence > before.sequence,
            "SEQUENCE up: {before:?} then {after:?}"
        );
        assert_ne!(after.start, before.start, "DTSTART moved");
        assert_eq!(after.start, moved_to, "{after:?}");
        assert_eq!(
            after.end - after.start,
            before.end - before.start,
            "same length"
        );
        for (uid, event) in is {
            if uid != moved_uid {
                assert_eq!(event, &was[uid], "untouched sessions stay");
            }
        }
    }
}

/// In each feed the cancelled event is still there, CANCELLED with a
/// higher SEQUENCE, and the only one cancelled.
#[track_caller]
fn assert_only_cancelled(
    was: &[BTreeMap<String, Read>; 2],
    is: &[BTreeMap<String, Read>; 2],
    cancelled_uid: &str,
) {
    for feed in 0..2 {
        let (before, after) = (&was[feed][cancelled_uid], &is[feed][cancelled_uid]);
        assert_eq!(after.status, EventStatus::Cancelled, "{after:?}");
        assert!(
            after.sequence > before.sequence,
            "SEQUENCE up: {before:?} then {after:?}"
        );
        assert_eq!(
            is[feed]
                .values()
                .filter(|e| e.status == EventStatus::Cancelled)
                .count(),
            1,
            "only that one is cancelled"
        );
    }
}

/// No patient's name or reference anywhere a calendar shows or keys by:
/// SUMMARY, DESCRIPTION, UID, LOCATION.
#[track_caller]
fn assert_names_no_one(reads: &[&[BTreeMap<String, Read>; 2]], names: &[&str]) {
    for feed in reads.iter().flat_map(|f| f.iter()) {
        for event in feed.values() {
            for (field, value) in [
                ("SUMMARY", &event.summary),
                ("DESCRIPTION", &event.description),
                ("UID", &event.uid),
                ("LOCATION", &event.location),
            ] {
                for name in names {
                    assert!(
                        !value.contains(name),
                        "{field} names the patient: {value:?}"
                    );
                }
            }
        }
    }
}
