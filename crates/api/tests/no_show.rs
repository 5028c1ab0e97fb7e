//! Automatic no-show marking: a booked session not checked in within the
//! clinic's grace period becomes a no-show, and the miss is re-planned.

use chairside_api::auth::Caller;
use chairside_api::dto::course::PlanCourse;
use chairside_api::service::{clinics, courses, patients};
use chairside_api::workers::no_show::sweep;
use chairside_store::models::SessionStatus;
use chairside_store::repo::{self, sessions::SessionMove};
use chairside_store::{Store, StoreConfig};
use chrono::{Duration, Utc};

fn store() -> (Store, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "chairside-no-show-{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::open(&StoreConfig::new(
        dir.join("db.sqlite").display().to_string(),
    ))
    .unwrap();
    store.run_migrations().unwrap();
    (store, dir)
}

#[test]
fn a_session_not_checked_in_after_the_grace_period_becomes_a_no_show_and_is_replanned() {
    let (store, dir) = store();
    let caller = Caller::system("test");
    let clinic: serde_json::Value = serde_json::json!({
        "name": "Harbour", "time_zone": "America/New_York",
        "hours": {"mon": [{"opens": "00:00", "closes": "23:45"}], "tue": [{"opens": "00:00", "closes": "23:45"}],
                  "wed": [{"opens": "00:00", "closes": "23:45"}], "thu": [{"opens": "00:00", "closes": "23:45"}],
                  "fri": [{"opens": "00:00", "closes": "23:45"}], "sat": [{"opens": "00:00", "closes": "23:45"}],
                  "sun": [{"opens": "00:00", "closes": "23:45"}]},
        "settings": {"no_show_after_minutes": 30}
    });
    let course = store
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
                earliest: Utc::now().date_naive(),
                first_within_days: None,
                preferences: None,
            };
            courses::book(conn, &caller, clinic.id, &request)
        })
        .unwrap();
    // Move the first session to have started two hours ago.
    let first = &course.sessions[0];
    let start = (Utc::now() - Duration::hours(2)).with_timezone(&Utc);
    let start = start - Duration::seconds(start.timestamp() % 900);
    store
        .write(|conn| {
            let version = repo::sessions::get(conn, 1, first.id)?.version;
            repo::sessions::reschedule(
                conn,
                1,
                first.id,
                version,
                &SessionMove {
                    chair_id: first.chair_id,
                    starts_at: start,
                    ends_at: start + Duration::minutes(90),
                    reason: Some("test"),
                },
            )
        })
        .unwrap();

    assert_eq!(sweep(&store).unwrap(), 1);
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
        booked == 6 || course_now.at_risk_reason.is_some(),
        "the miss is re-planned or the course is at risk"
    );
    // A second sweep finds nothing more to do.
    assert_eq!(sweep(&store).unwrap(), 0);
    let _ = std::fs::remove_dir_all(dir);
}
