//! No double booking, ever (domain rule 9): fifty requests for one chair at
//! one time, released together, over one SQLite server or three server
//! processes sharing one PostgreSQL database.

use std::sync::{Arc, Barrier};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::support::*;

const RACERS: usize = 50;

/// Runs the scenario `fn $name(app: &App)` as `<name>::sqlite_one_server`
/// and, when `TEST_DATABASE_URL` is set, `<name>::postgres_three_servers`.
macro_rules! race_on_every_backend {
    ($(#[$meta:meta])* $name:ident) => {
        mod $name {
            $(#[$meta])*
            #[test]
            fn sqlite_one_server() {
                crate::support::App::on_sqlite(super::$name);
            }

            $(#[$meta])*
            #[test]
            fn postgres_three_servers() {
                match crate::support::TestDb::postgres() {
                    Some(db) => super::$name(&crate::support::App::replicated(db, 3)),
                    None => eprintln!(
                        "TEST_DATABASE_URL not set: the race of three servers over PostgreSQL is skipped"
                    ),
                }
            }
        }
    };
}

/// Sends the requests all at once, spread over the app's servers in turn;
/// the replies in the same order.
fn release_together(app: &App, key: &str, requests: &[(String, Value)]) -> Vec<Reply> {
    let servers = app.servers();
    let barrier = Arc::new(Barrier::new(requests.len()));
    std::thread::scope(|scope| {
        let handles: Vec<_> = requests
            .iter()
            .enumerate()
            .map(|(i, (path, body))| {
                let call = servers[i % servers.len()]
                    .call("POST", path)
                    .key(key)
                    .json(body);
                let barrier = barrier.clone();
                scope.spawn(move || {
                    barrier.wait();
                    call.send()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a racing request"))
            .collect()
    })
}

/// Exactly one 201; every other reply a 409 problem about the chair.
#[track_caller]
fn assert_one_winner_rest_conflicts(replies: &[Reply]) -> Value {
    let winners: Vec<&Reply> = replies.iter().filter(|r| r.status == 201).collect();
    assert_eq!(winners.len(), 1, "exactly one booking wins: {winners:#?}");
    for reply in replies.iter().filter(|r| r.status != 201) {
        let problem = reply.problem(409);
        let kind = problem["type"].as_str().unwrap();
        assert!(
            kind == "/problems/chair-taken" || kind == "/problems/patient-double-booked",
            "{reply:?}"
        );
    }
    winners[0].json()
}

/// Live sessions on the chair on the local date, from the API, and the
/// database's own count of overlapping live sessions.
#[track_caller]
fn assert_one_live_session_at(
    app: &App,
    clinic: &Clinic,
    chair: i64,
    date: NaiveDate,
    start: DateTime<Utc>,
) {
    let sessions = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!("/sessions?from={date}&to={date}&limit=200")),
        )
        .expect(200);
    let on_chair: Vec<&Value> = sessions["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["chair_id"] == chair && LIVE.iter().any(|l| s["status"] == *l))
        .collect();
    let at_start: Vec<&&Value> = on_chair
        .iter()
        .filter(|s| instant(s, "start") == start)
        .collect();
    assert_eq!(
        at_start.len(),
        1,
        "one live session at {start} on chair {chair}: {on_chair:#?}"
    );
    for (i, a) in on_chair.iter().enumerate() {
        for b in &on_chair[i + 1..] {
            let overlap =
                instant(a, "start") < instant(b, "end") && instant(b, "start") < instant(a, "end");
            assert!(!overlap, "double booked: {a} and {b}");
        }
    }
    assert_eq!(
        overlapping_live_pairs(&app.db.store()),
        0,
        "the database holds overlapping live sessions"
    );
}

fn fifty_patients_racing_for_the_last_chair_one_wins(app: &App) {
    let clinic = app.clinic();
    // A one-infusion trial, then boosters from 1 to 28 days after.
    let protocol = app
        .post(&app.admin, &clinic.path("/protocols"), &json!({
            "code": "single-infusion-trial",
            "definition": {
                "name": "Single infusion, then boosters",
                "modality": "iv",
                "chair_time": {"pre_dose_check_minutes": 10, "treatment_minutes": 15, "monitoring_minutes": 20},
                "phases": [
                    {"kind": "series", "name": "Trial", "sessions": 1, "min_days_between": 1, "max_days_between": 7, "max_span_days": 7},
                    {"kind": "boosters", "name": "Boosters",
                     "default_policy": {"interval_days": 7, "floor_days": 1, "ceiling_days": 28, "tolerance_days": 3},
                     "interval_steps_days": [7, 14]}
                ],
                "instructions": {"fasting_hours": 2, "arrive_early_minutes": 10, "driver_required": false, "no_driving_until_next_day": true}
            }
        }))
        .expect(201);
    let monday = next_monday();
    let servers = app.servers();
    let courses: Vec<i64> = (0..RACERS)
        .map(|i| {
            let server = servers[i % servers.len()];
            let patient = server
                .call("POST", &clinic.path("/patients"))
                .key(&clinic.front_desk)
                .json(&json!({
                    "external_ref": format!("MRN-{i:04}"), "display_name": format!("P{i}"),
                    "intake_assessed_on": today().to_string(), "consent_on_file": true, "escort_confirmed": true,
                }))
                .send()
                .expect(201)["id"]
                .clone();
            let course = server
                .call("POST", &clinic.path("/courses"))
                .key(&clinic.front_desk)
                .json(&json!({"patient_id": patient, "protocol_id": protocol["id"], "earliest": monday.to_string()}))
                .send()
                .expect(201);
            let first = local_date(with_status(&course, &["booked"])[0]);
            assert!(first < monday + Duration::days(7), "the trials fit in the first week: {course}");
            course["id"].as_i64().unwrap()
        })
        .collect();

    // The chair everyone wants, a week after the trials.
    let chair = app
        .post(
            &app.admin,
            &clinic.path("/chairs"),
            &json!({"label": "Chair 4", "modalities": ["iv"]}),
        )
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let date = monday + Duration::days(8);
    let requests: Vec<(String, Value)> = courses
        .iter()
        .map(|course| {
            (
                clinic.path(&format!("/courses/{course}/sessions")),
                json!({"at": {"local_start": format!("{date}T10:00:00")}, "chair_id": chair, "phase": 1}),
            )
        })
        .collect();
    let replies = release_together(app, &clinic.front_desk, &requests);
    let won = assert_one_winner_rest_conflicts(&replies);
    assert_eq!(won["chair_id"], chair);
    assert_eq!(won["local"]["start"], "10:00");
    assert_one_live_session_at(app, &clinic, chair, date, instant(&won, "start"));
}
race_on_every_backend!(fifty_patients_racing_for_the_last_chair_one_wins);

/// One course, its last infusion cancelled, and fifty requests to book it
/// back at 15:00 on the third chair (a retry storm, a double click, three
/// replicas). Whatever the statuses, one request books and the chair holds
/// one session; the replies in request order.
fn same_course_race(app: &App) -> Vec<Reply> {
    let clinic = app.clinic();
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let last = with_status(&course, &["booked"])[5].clone();
    app.act(
        &clinic,
        id(&last),
        "cancel",
        Some(&json!({"scope": "this", "reason": "moved to the afternoon"})),
    )
    .expect(200);
    let date = local_date(&last);
    let chair = clinic.chairs[2];
    let path = clinic.path(&format!("/courses/{}/sessions", course["id"]));
    let body = json!({"at": {"local_start": format!("{date}T15:00:00")}, "chair_id": chair});
    let replies = release_together(app, &clinic.front_desk, &vec![(path, body); RACERS]);
    let won: Vec<&Reply> = replies.iter().filter(|r| r.status == 201).collect();
    assert_eq!(won.len(), 1, "exactly one booking wins: {won:#?}");
    for reply in replies.iter().filter(|r| r.status != 201) {
        assert!((400..500).contains(&reply.status), "{reply:?}");
        let problem = reply.problem(reply.status);
        let about_the_chair = problem["type"] == "/problems/chair-taken"
            || problem["type"] == "/problems/patient-double-booked"
            || violation_rules(&problem).iter().any(|r| r == "chair_taken");
        assert!(about_the_chair, "{reply:?}");
    }
    let won = won[0].json();
    assert_eq!(won["local"]["start"], "15:00");
    assert_one_live_session_at(app, &clinic, chair, date, instant(&won, "start"));
    let course = app.course(&clinic, course["id"].as_i64().unwrap());
    assert_eq!(with_status(&course, &["booked"]).len(), 6, "{course}");
    replies
}

fn fifty_requests_for_one_slot_of_one_course_book_it_once(app: &App) {
    same_course_race(app);
}
race_on_every_backend!(fifty_requests_for_one_slot_of_one_course_book_it_once);

fn fifty_requests_for_one_slot_of_one_course_lose_with_409(app: &App) {
    assert_one_winner_rest_conflicts(&same_course_race(app));
}
race_on_every_backend!(fifty_requests_for_one_slot_of_one_course_lose_with_409);
