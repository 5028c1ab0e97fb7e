//! What a crash must not lose, checked once the server answers again.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use chairside_testkit::queries::OutboxRow;
use serde_json::{json, Value};

use super::*;

/// Asserts what a crash must not lose, on `app` (serving again):
/// every acknowledged course is stored with the sessions its 201 showed,
/// and no refused booking left a course behind;
/// no two live sessions overlap on a chair or for a patient; every course
/// has its `course.booked` and six `session.booked` events in the outbox;
/// by `deliver_by` every outbox event has reached the endpoint, and every
/// repeat of a `webhook-id` carried the same body.
#[track_caller]
pub(super) fn assert_nothing_lost(
    app: &App,
    clinic: &Clinic,
    acknowledged: &[Value],
    unknown: usize,
    hooks: &Receiver,
    deliver_by: Instant,
) {
    assert_stored_as_acknowledged(app, clinic, acknowledged);
    assert_eq!(
        app.overlapping_live_pairs(),
        0,
        "the database holds overlapping live sessions"
    );
    let store = app.store();
    let courses = course_ids(&store);
    assert_no_course_left_behind(&courses, acknowledged, unknown);
    let events = outbox(&store);
    assert_each_course_announced(&courses, &events);
    let delivered = assert_every_event_delivered(hooks, &events, deliver_by);
    // Events written since (reminders) are known too.
    let received = hooks.received();
    let distinct = assert_repeats_carry_one_body(&outbox(&store), &received);
    eprintln!(
        "{} courses ({} acknowledged), {delivered} events, {} deliveries ({} repeats after the crash)",
        courses.len(),
        acknowledged.len(),
        received.len(),
        received.len() - distinct
    );
}

/// Each acknowledged course, read back, holds the booked sessions its 201
/// showed: six, with the same ids, times and chairs.
#[track_caller]
fn assert_stored_as_acknowledged(app: &App, clinic: &Clinic, acknowledged: &[Value]) {
    let booked = |course: &Value| -> Vec<Value> {
        with_status(course, &["booked"])
            .iter()
            .map(|s| json!([s["id"], s["start"], s["end"], s["chair_id"]]))
            .collect()
    };
    for course in acknowledged {
        assert_eq!(booked(course).len(), 6, "a 201 with six sessions: {course}");
        let id = course["id"].as_i64().expect("course id");
        let stored = app.course(clinic, id);
        assert_eq!(
            booked(&stored),
            booked(course),
            "course {id} as acknowledged and as stored"
        );
    }
}

/// Every acknowledged course is in the database, and no more courses than
/// could have been booked: the acknowledged ones and those whose outcome
/// the client cannot know.
#[track_caller]
fn assert_no_course_left_behind(courses: &[i64], acknowledged: &[Value], unknown: usize) {
    for course in acknowledged {
        assert!(
            courses.contains(&course["id"].as_i64().unwrap()),
            "acknowledged course {} is not in the database",
            course["id"]
        );
    }
    assert!(
        courses.len() <= acknowledged.len() + unknown,
        "{} courses stored, {} acknowledged, {unknown} unanswered: a refused booking left a course behind",
        courses.len(),
        acknowledged.len()
    );
}

/// Every stored course has one `course.booked` and six `session.booked`
/// events in the outbox, written with it.
#[track_caller]
fn assert_each_course_announced(courses: &[i64], events: &[OutboxRow]) {
    for course in courses {
        let types: Vec<&str> = events
            .iter()
            .filter(|e| e.aggregate_id == *course)
            .map(|e| e.event_type.as_str())
            .collect();
        let count = |t: &str| types.iter().filter(|&&x| x == t).count();
        assert_eq!(
            (count("course.booked"), count("session.booked")),
            (1, 6),
            "course {course}'s booking events in the outbox: {types:?}"
        );
    }
}

/// Waits until `deliver_by` for every event to reach the endpoint at least
/// once; returns how many events there were.
#[track_caller]
fn assert_every_event_delivered(
    hooks: &Receiver,
    events: &[OutboxRow],
    deliver_by: Instant,
) -> usize {
    let ids: HashSet<String> = events.iter().map(|e| e.event_id.clone()).collect();
    let missing = hooks.wait_for(&ids, deliver_by);
    assert!(
        missing.is_empty(),
        "{} of {} outbox events never reached the endpoint: {missing:?}",
        missing.len(),
        ids.len()
    );
    ids.len()
}

/// Every delivery names an event the outbox knows, and a repeat of a
/// `webhook-id` (a retry after the crash) carries the first one's body.
/// Returns how many distinct events arrived.
#[track_caller]
fn assert_repeats_carry_one_body(events: &[OutboxRow], received: &[Received]) -> usize {
    let known: HashSet<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    let mut first_body: HashMap<&str, &Value> = HashMap::new();
    for delivery in received {
        assert!(
            known.contains(delivery.webhook_id.as_str()),
            "a delivery with a webhook-id the outbox does not know: {delivery:?}"
        );
        if let Some(first) = first_body.insert(&delivery.webhook_id, &delivery.body) {
            assert_eq!(
                first, &delivery.body,
                "a repeat of {} with another body",
                delivery.webhook_id
            );
        }
    }
    first_body.len()
}
