//! Reminders due soon: each lead time in clinic time, never for a session
//! that has started or been cancelled.

use chairside_api::service::reminders::upcoming;
use chairside_store::repo;
use chairside_testkit::TestStore;
use chrono::{Duration, Utc};

use crate::fixtures;

#[test]
fn upcoming_lists_the_lead_times_falling_due_and_forgets_cancelled_sessions() {
    let test = TestStore::sqlite();
    let store = &test.store;
    let course = fixtures::booked_course(
        store,
        serde_json::json!({"reminder_lead_times_minutes": [4320, 1440, 120]}),
    );
    let first = &course.sessions[0];
    let start = fixtures::move_session(store, first.id, Utc::now() + Duration::hours(25));

    let due = store
        .read(|conn| upcoming(conn, 1, Duration::hours(48), Utc::now()))
        .unwrap();
    let mine: Vec<u32> = due
        .iter()
        .filter(|r| r.session.id == first.id)
        .map(|r| r.lead_minutes)
        .collect();
    assert_eq!(
        mine,
        [1440, 120],
        "72 h is already past; 24 h and 2 h fall due within 48 h"
    );
    let day_before = due
        .iter()
        .find(|r| r.session.id == first.id && r.lead_minutes == 1440)
        .unwrap();
    assert!(
        (start - day_before.due_at - Duration::hours(24))
            .num_hours()
            .abs()
            <= 1,
        "24 h on the clinic's clock"
    );
    assert!(day_before.instructions.driver_required);

    fixtures::cancel_session(store, first.id);
    let due = store
        .read(|conn| upcoming(conn, 1, Duration::hours(48), Utc::now()))
        .unwrap();
    assert!(
        due.iter().all(|r| r.session.id != first.id),
        "a cancelled session has no reminders"
    );
}

fn reminders_due(store: &chairside_store::Store) -> Vec<serde_json::Value> {
    store
        .read(|conn| repo::outbox::list_after(conn, Some(1), 0, 1000))
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type == "reminder.due")
        .map(|e| e.payload)
        .collect()
}

#[test]
fn the_worker_fires_each_reminder_once_rearms_on_a_move_and_stays_silent_when_cancelled() {
    use chairside_api::workers::reminders::sweep;
    let test = TestStore::sqlite();
    let store = &test.store;
    let course = fixtures::booked_course(
        store,
        serde_json::json!({"reminder_lead_times_minutes": [4320, 1440, 120]}),
    );
    let first = &course.sessions[0];
    // 23 hours ahead: the 72 h and 24 h reminders are both past due; only
    // the most recent (24 h) is sent.
    fixtures::move_session(store, first.id, Utc::now() + Duration::hours(23));
    assert_eq!(sweep(store, Utc::now()).unwrap(), 1);
    assert_eq!(sweep(store, Utc::now()).unwrap(), 0, "never twice");
    let due = reminders_due(store);
    assert_eq!(due.len(), 1);
    assert_eq!(due[0]["lead_minutes"], 1440);
    assert_eq!(due[0]["session"]["id"], first.id);
    assert_eq!(due[0]["instructions"]["driver_required"], true);

    // Moved to 90 minutes ahead: the 2 h reminder of the new start fires.
    fixtures::move_session(store, first.id, Utc::now() + Duration::minutes(90));
    assert_eq!(sweep(store, Utc::now()).unwrap(), 1);
    assert_eq!(reminders_due(store).last().unwrap()["lead_minutes"], 120);

    // Another session, cancelled inside its lead time: nothing fires.
    let second = &course.sessions[1];
    fixtures::move_session(store, second.id, Utc::now() + Duration::hours(26));
    fixtures::cancel_session(store, second.id);
    assert_eq!(sweep(store, Utc::now()).unwrap(), 0);
    // And a session that has already started gets none.
    let third = &course.sessions[2];
    fixtures::move_session(store, third.id, Utc::now() - Duration::minutes(30));
    assert_eq!(sweep(store, Utc::now()).unwrap(), 0);
    assert_eq!(reminders_due(store).len(), 2);
}
