//! Automatic no-show marking: a booked session not checked in within the
//! clinic's grace period becomes a no-show, and the miss is re-planned.

use chairside_api::workers::no_show::sweep;
use chairside_store::models::SessionStatus;
use chairside_store::repo;
use chairside_testkit::TestStore;
use chrono::{Duration, Utc};

use crate::fixtures;

#[test]
fn a_session_not_checked_in_after_the_grace_period_becomes_a_no_show_and_is_replanned() {
    let test = TestStore::sqlite();
    let store = &test.store;
    let course = fixtures::booked_course(store, serde_json::json!({"no_show_after_minutes": 30}));
    // The first session started two hours ago and nobody checked in.
    let first = &course.sessions[0];
    fixtures::move_session(store, first.id, Utc::now() - Duration::hours(2));

    assert_eq!(sweep(store, Utc::now()).unwrap(), 1);
    let after = store
        .read(|conn| repo::sessions::get(conn, 1, first.id))
        .unwrap();
    assert_eq!(after.status, SessionStatus::NoShow);
    let all = store
        .read(|conn| repo::sessions::for_course(conn, 1, course.id))
        .unwrap();
    let booked = all
        .iter()
        .filter(|s| s.status == SessionStatus::Booked)
        .count();
    let course_now = store
        .read(|conn| repo::courses::get(conn, 1, course.id))
        .unwrap();
    assert!(
        booked == 6 || course_now.at_risk.is_some(),
        "the miss is re-planned or the course is at risk"
    );
    // A second sweep finds nothing more to do.
    assert_eq!(sweep(store, Utc::now()).unwrap(), 0);
}
