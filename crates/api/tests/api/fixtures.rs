//! The api's own fixture: a clinic open around the clock, one IV chair, a
//! patient and a course booked through the api's services (which the test
//! kit cannot call: it does not depend on the api). The database under it
//! is a `chairside_testkit::TestStore`.

use chairside_api::auth::Caller;
use chairside_api::dto::course::{CourseView, PlanCourse};
use chairside_api::service::{clinics, course, patients};
use chairside_engine::course::{Placement, SessionId, SessionUpdate};
use chairside_store::models::{Actor, SessionStatus};
use chairside_store::repo;
use chairside_store::Store;
use chrono::{DateTime, Duration, Utc};

/// Clinic 1 (open every day 00:00–23:45, New York), chair 1, patient 1 and a
/// booked IV induction (course 1).
pub fn booked_course(store: &Store, settings: serde_json::Value) -> CourseView {
    let caller = Caller::system("test");
    let all_day = serde_json::json!([{"opens": "00:00", "closes": "23:45"}]);
    let clinic = serde_json::json!({
        "name": "Harbour", "time_zone": "America/New_York",
        "hours": {"mon": all_day, "tue": all_day, "wed": all_day, "thu": all_day, "fri": all_day, "sat": all_day, "sun": all_day},
        "settings": settings
    });
    store
        .write(|conn| -> Result<_, chairside_api::ApiError> {
            let clinic = clinics::create(conn, &caller, &serde_json::from_value(clinic).unwrap())?;
            clinics::add_chair(conn, &caller, clinic.id, &serde_json::from_value(serde_json::json!({"label": "Chair 1", "modalities": ["iv"]})).unwrap())?;
            let patient = patients::create(
                conn,
                &caller,
                clinic.id,
                &serde_json::from_value(serde_json::json!({
                    "external_ref": "MRN-1", "display_name": "A. Patient",
                    "intake_assessed_on": "2026-01-05", "consent_on_file": true, "escort_confirmed": true
                }))
                .unwrap(),
            )?;
            let request = PlanCourse {
                patient_id: patient.id,
                protocol_id: 1,
                earliest: Utc::now().date_naive() + Duration::days(3),
                first_within_days: None,
                preferences: None,
                hold_minutes: None,
            };
            course::book(conn, &caller, clinic.id, &request, Utc::now())
        })
        .unwrap()
}

/// Moves a session of clinic 1 to start at `start` (a whole quarter hour).
pub fn move_session(store: &Store, session_id: i64, start: DateTime<Utc>) -> DateTime<Utc> {
    let start = start - Duration::seconds(start.timestamp() % 900);
    store
        .write(|conn| {
            let current = repo::sessions::get(conn, 1, session_id)?;
            repo::sessions::apply_update(
                conn,
                1,
                &SessionUpdate {
                    session: SessionId(session_id),
                    placement: Some(Placement {
                        chair: chairside_engine::ChairId(current.chair_id),
                        start,
                        end: start + Duration::minutes(90),
                    }),
                    reason: Some("test".into()),
                    ..SessionUpdate::default()
                },
                current.version,
                Actor::system(),
            )
        })
        .unwrap();
    start
}

/// Cancels a session of clinic 1, as the system.
pub fn cancel_session(store: &Store, session_id: i64) {
    store
        .write(|conn| {
            let current = repo::sessions::get(conn, 1, session_id)?;
            repo::sessions::apply_update(
                conn,
                1,
                &SessionUpdate {
                    session: SessionId(current.id),
                    status: Some((current.status, SessionStatus::Cancelled)),
                    reason: Some("test".into()),
                    ..SessionUpdate::default()
                },
                current.version,
                Actor::system(),
            )
        })
        .unwrap();
}
