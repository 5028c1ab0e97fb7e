//! No double booking, ever (domain rule 9): fifty requests for one chair at
//! one time, released together, over one SQLite server or three server
//! processes sharing one PostgreSQL database.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::support::*;

const RACERS: usize = 50;

/// A request to race: path, body and the `If-Match` it carries.
type Racer = (String, Value, String);

/// Sends the requests all at once, spread over the app's servers in turn;
/// the replies in the same order.
fn release_together(app: &App, key: &str, requests: &[Racer]) -> Vec<Reply> {
    let servers = app.servers();
    let calls = requests
        .iter()
        .enumerate()
        .map(|(i, (path, body, etag))| {
            servers[i % servers.len()]
                .call("POST", path)
                .key(key)
                .if_match(etag)
                .json(body)
        })
        .collect();
    all_at_once(calls)
}

/// Exactly one 200; every other reply a 409 problem about the chair.
#[track_caller]
fn assert_one_winner_rest_conflicts(replies: &[Reply]) -> Value {
    let winners: Vec<&Reply> = replies.iter().filter(|r| r.status == 200).collect();
    assert_eq!(winners.len(), 1, "exactly one move wins: {winners:#?}");
    for reply in replies.iter().filter(|r| r.status != 200) {
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
        app.overlapping_live_pairs(),
        0,
        "the database holds overlapping live sessions"
    );
}

fn fifty_patients_racing_for_the_last_chair_one_wins(app: &App) {
    let clinic = app.clinic();
    let protocol = single_infusion_trial(app, &clinic);
    let monday = next_monday();
    let courses = trials_in_the_first_week(app, &clinic, protocol, monday);

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
    // Every patient asks to move their trial infusion to that chair at the
    // same time.
    let date = monday + Duration::days(8);
    let requests: Vec<Racer> = courses
        .iter()
        .map(|course| {
            let course = app.course(&clinic, *course);
            let trial = id(with_status(&course, &["booked"])[0]);
            let (_, etag) = app.session(&clinic, trial);
            (
                clinic.path(&format!("/sessions/{trial}/reschedule")),
                json!({"to": {"local_start": format!("{date}T10:00")}, "chair_id": chair, "reason": "the last free chair"}),
                etag,
            )
        })
        .collect();
    let replies = release_together(app, &clinic.front_desk, &requests);
    let won = assert_one_winner_rest_conflicts(&replies);
    let won = &won["session"];
    assert_eq!(won["chair_id"], chair);
    assert_eq!(won["local"]["start"], "10:00");
    assert_one_live_session_at(app, &clinic, chair, date, instant(won, "start"));
}
race_on_every_backend!(fifty_patients_racing_for_the_last_chair_one_wins);

/// A protocol of one infusion, then boosters from 1 to 28 days after: a
/// course that holds one chair once. Returns its id.
fn single_infusion_trial(app: &App, clinic: &Clinic) -> i64 {
    app.post(&app.admin, &clinic.path("/protocols"), &json!({
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
    .expect(201)["id"]
        .as_i64()
        .expect("protocol id")
}

/// `RACERS` new patients, each with a trial course booked from `monday`
/// (spread over the app's servers in turn), every trial infusion in that
/// first week. Returns the courses.
fn trials_in_the_first_week(
    app: &App,
    clinic: &Clinic,
    protocol: i64,
    monday: NaiveDate,
) -> Vec<i64> {
    let servers = app.servers();
    (0..RACERS)
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
                .json(&json!({"patient_id": patient, "protocol_id": protocol, "earliest": monday.to_string()}))
                .send()
                .expect(201);
            let first = local_date(with_status(&course, &["booked"])[0]);
            assert!(first < monday + Duration::days(7), "the trials fit in the first week: {course}");
            course["id"].as_i64().unwrap()
        })
        .collect()
}

/// One course and fifty requests to move its last infusion to 15:00 on the
/// third chair, all with the ETag they read (a retry storm, a double click,
/// three replicas). One request moves it; every other is told the session
/// changed since it was read (412) or that the chair is taken (409); the
/// chair holds one session and the course its six.
fn same_session_race(app: &App) -> Vec<Reply> {
    let clinic = app.clinic();
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let last = with_status(&course, &["booked"])[5].clone();
    let date = local_date(&last);
    let chair = clinic.chairs[2];
    let (_, etag) = app.session(&clinic, id(&last));
    let path = clinic.path(&format!("/sessions/{}/reschedule", id(&last)));
    let body = json!({"to": {"local_start": format!("{date}T15:00")}, "chair_id": chair, "reason": "afternoon suits better"});
    let replies = release_together(app, &clinic.front_desk, &vec![(path, body, etag); RACERS]);
    let won: Vec<&Reply> = replies.iter().filter(|r| r.status == 200).collect();
    assert_eq!(won.len(), 1, "exactly one move wins: {won:#?}");
    for reply in replies.iter().filter(|r| r.status != 200) {
        let problem = reply.problem(reply.status);
        let told = problem["type"] == "/problems/stale"
            || problem["type"] == "/problems/chair-taken"
            || problem["type"] == "/problems/patient-double-booked";
        assert!(told, "{reply:?}");
    }
    let won = won[0].json();
    assert_eq!(won["session"]["local"]["start"], "15:00");
    assert_one_live_session_at(app, &clinic, chair, date, instant(&won["session"], "start"));
    let course = app.course(&clinic, course["id"].as_i64().unwrap());
    assert_eq!(with_status(&course, &["booked"]).len(), 6, "{course}");
    replies
}

fn fifty_moves_of_one_session_move_it_once(app: &App) {
    same_session_race(app);
}
race_on_every_backend!(fifty_moves_of_one_session_move_it_once);

fn fifty_moves_of_one_session_tell_the_losers_it_changed(app: &App) {
    let replies = same_session_race(app);
    // The losers read the session before the winner moved it: their ETag
    // is stale. None is a 5xx, none a 200.
    assert!(replies
        .iter()
        .all(|r| r.status == 200 || r.status == 412 || r.status == 409));
    assert!(replies.iter().any(|r| r.status == 412), "{replies:#?}");
}
race_on_every_backend!(fifty_moves_of_one_session_tell_the_losers_it_changed);

/// Fifty new patients book inductions at once (over three servers on
/// PostgreSQL) on two chairs: each booking that loses a chair to another
/// re-plans until it wins or the clinic is truly full (422) — none is
/// answered 409, none is double-booked, and no two writers deadlock.
/// (Before every writer of a clinic took its turn lock, a fourth retry
/// still raced first attempts and lost; before writers locked the chairs
/// they write to, overlapping inserts deadlocked for a second.)
fn fifty_new_patients_at_once_are_all_booked(app: &App) {
    // A lost race is rare enough that one round may not show it.
    for round in 0..4 {
        fifty_new_patients_book_at_once(app, round);
    }
    // Deadlocks (overlapping inserts waiting on each other while checking
    // the exclusion constraint) would show in PostgreSQL's statistics,
    // which are flushed within about a second.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    if let Some(deadlocks) = app.deadlocks() {
        assert_eq!(deadlocks, 0, "PostgreSQL detected deadlocks");
    }
}
race_on_every_backend!(fifty_new_patients_at_once_are_all_booked);

fn fifty_new_patients_book_at_once(app: &App, round: usize) {
    let clinic = app.clinic_with(&format!("Busy morning {round}"), weekday_hours(), 2);
    let protocol = app.protocol_id(&clinic, "iv-ketamine-standard");
    let monday = next_monday().to_string();
    let patients: Vec<i64> = (0..RACERS)
        .map(|n| app.patient(&clinic, &format!("MRN-N{round}-{n}")))
        .collect();
    let servers = app.servers();
    let replies = all_at_once(
        patients
            .iter()
            .enumerate()
            .map(|(i, patient)| {
                servers[i % servers.len()]
                    .call("POST", &clinic.path("/courses"))
                    .key(&clinic.front_desk)
                    .json(&json!({"patient_id": patient, "protocol_id": protocol, "earliest": monday}))
            })
            .collect(),
    );
    let conflicts: Vec<&Reply> = replies.iter().filter(|r| r.status == 409).collect();
    assert!(
        conflicts.is_empty(),
        "{} of 50 answered 409: {conflicts:#?}",
        conflicts.len()
    );
    assert!(
        replies.iter().all(|r| matches!(r.status, 201 | 422)),
        "{replies:#?}"
    );
    let booked = replies.iter().filter(|r| r.status == 201).count();
    assert!(booked >= 20, "{booked} booked: {replies:#?}");
    assert_eq!(app.overlapping_live_pairs(), 0);
}
