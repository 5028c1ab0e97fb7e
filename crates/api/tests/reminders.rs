//! Reminders due soon: each lead time in clinic time, never for a session
//! that has started or been cancelled.

mod support;

use chairside_api::service::reminders::upcoming;
use chairside_store::models::SessionStatus;
use chairside_store::{models::Actor, repo};
use chrono::{Duration, Utc};

#[test]
fn upcoming_lists_the_lead_times_falling_due_and_forgets_cancelled_sessions() {
    let test = support::store("reminders");
    let store = &test.store;
    let course = support::booked_course(
        store,
        serde_json::json!({"reminder_lead_times_minutes": [4320, 1440, 120]}),
    );
    let first = &course.sessions[0];
    let start = support::move_session(store, first.id, Utc::now() + Duration::hours(25));

    let due = store
        .read(|conn| upcoming(conn, 1, Duration::hours(48)))
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

    store
        .write(|conn| {
            let s = repo::sessions::get(conn, 1, first.id)?;
            repo::sessions::set_status(
                conn,
                1,
                first.id,
                s.version,
                SessionStatus::Cancelled,
                Some("test"),
                Actor::system(),
            )
        })
        .unwrap();
    let due = store
        .read(|conn| upcoming(conn, 1, Duration::hours(48)))
        .unwrap();
    assert!(
        due.iter().all(|r| r.session.id != first.id),
        "a cancelled session has no reminders"
    );
}
