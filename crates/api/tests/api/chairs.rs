//! Taking a chair out of service is refused while it holds future sessions,
//! however many other sessions the clinic has.

use chairside_api::auth::Caller;
use chairside_api::service::clinics;
use chairside_engine::course::{NewSession, Placement};
use chairside_engine::ChairId;
use chairside_store::repo;
use chairside_testkit::TestStore;
use chrono::{Duration, Utc};

use crate::fixtures;

#[test]
fn a_chair_with_a_future_session_cannot_be_deactivated_even_behind_many_others() {
    let test = TestStore::sqlite();
    let store = &test.store;
    let course = fixtures::booked_course(store, serde_json::json!({}));
    let caller = Caller::system("test");
    let chair2 = store
        .write(|conn| {
            clinics::add_chair(
                conn,
                &caller,
                1,
                &serde_json::from_value(
                    serde_json::json!({"label": "Chair 2", "modalities": ["iv"]}),
                )
                .unwrap(),
            )
        })
        .unwrap();
    // 520 sessions on chair 1, then one on chair 2: more than a page ahead of it.
    let base = Utc::now() + Duration::days(60);
    let base = base - Duration::seconds(base.timestamp() % 3600);
    let on = |chair_id: i64, i: i64| NewSession {
        phase: 0,
        sequence: 100 + i as u32,
        placement: Placement {
            chair: ChairId(chair_id),
            start: base + Duration::hours(2 * i),
            end: base + Duration::hours(2 * i) + Duration::minutes(90),
        },
    };
    store
        .write(|conn| {
            let many: Vec<NewSession> = (0..520).map(|i| on(1, i)).collect();
            repo::sessions::insert(conn, 1, course.id, course.patient_id, &many)?;
            repo::sessions::insert(conn, 1, course.id, course.patient_id, &[on(chair2.id, 520)])
        })
        .unwrap();
    let refused = store
        .write(|conn| clinics::set_chair_active(conn, &caller, 1, chair2.id, false, Utc::now()));
    match refused {
        Err(chairside_api::ApiError::Conflict { kind, .. }) => {
            assert_eq!(kind.slug(), "chair-has-sessions")
        }
        other => panic!("expected chair-has-sessions, got {other:?}"),
    }
}
