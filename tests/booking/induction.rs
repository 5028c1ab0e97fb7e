//! The whole induction, as the front desk's software runs it: register,
//! preview, book, reschedule, cancel, treat, miss, and the day sheet and
//! availability that follow.

mod steps;

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use super::*;
use crate::support::*;
use steps::Induction;

fn front_desk_books_and_runs_an_iv_ketamine_induction(app: &App) {
    let clinic = app.clinic();
    let monday = next_monday();

    // Register the patient, then find them again by the EHR's number.
    let patient = app.patient(&clinic, "MRN-004211");
    assert_found_by_external_ref(app, &clinic, "MRN-004211", patient);
    // The presets are there; the IV one is six infusions.
    let protocol = iv_preset(app, &clinic);
    let protocol_id = protocol["id"].as_i64().unwrap();
    let minutes = chair_minutes(&protocol);

    // Preview: a plan within the rules, nothing booked. Book: the
    // previewed plan, all six sessions booked at once.
    let request =
        json!({"patient_id": patient, "protocol_id": protocol_id, "earliest": monday.to_string()});
    let planned = preview(app, &clinic, &request, monday, minutes);
    let course = book_as_previewed(app, &clinic, &request, &planned, monday, minutes);
    let induction = Induction {
        app,
        clinic: &clinic,
        course: course["id"].as_i64().unwrap(),
        monday,
        minutes,
    };
    let sessions = with_status(&course, &["booked"]);
    let ids: Vec<i64> = sessions.iter().map(|s| id(s)).collect();

    // The second moves to 14:00 that day, the last to the next best day;
    // the third is cancelled, its dose still owed.
    induction.move_to_the_afternoon(sessions[1]);
    induction.move_to_the_next_best_day(sessions[5]);
    induction.cancel(ids[2]);

    // The first two come and are treated; a completed session stays completed.
    check_in_and_complete(app, &clinic, ids[0]);
    check_in_and_complete(app, &clinic, ids[1]);
    app.act(&clinic, ids[0], "check-in", None).problem(409);

    // The fourth is missed: the rest is re-planned, or the course is at
    // risk. Then everyone still booked comes and is treated.
    let replanned = induction.miss(ids[3]);
    induction.treat_everyone_booked(replanned);

    // The day sheet of the first infusion shows it on its chair.
    assert_day_sheet_shows(app, &clinic, sessions[0]);
    // Availability: open starts inside the hours, none on a taken chair.
    assert_open_starts_are_free(app, &clinic, protocol_id, monday, minutes);
}
on_every_backend!(front_desk_books_and_runs_an_iv_ketamine_induction);

/// A search by the EHR's number finds the patient, and only them.
#[track_caller]
fn assert_found_by_external_ref(app: &App, clinic: &Clinic, external_ref: &str, patient: i64) {
    let found = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!("/patients?external_ref={external_ref}")),
        )
        .expect(200);
    let found = found["items"].as_array().expect("items");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["id"], patient);
    assert_eq!(found[0]["consent_on_file"], true);
}

/// The IV-ketamine preset, listed among the clinic's protocols, with an
/// induction of six infusions.
#[track_caller]
fn iv_preset(app: &App, clinic: &Clinic) -> Value {
    let protocols = app
        .get(&clinic.front_desk, &clinic.path("/protocols"))
        .expect(200);
    let codes: Vec<&str> = protocols
        .as_array()
        .expect("protocols")
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect();
    assert!(codes.contains(&"iv-ketamine-standard"), "{codes:?}");
    let protocol = app.protocol(clinic, "iv-ketamine-standard");
    assert_eq!(protocol["definition"]["phases"][0]["sessions"], 6);
    protocol
}

/// Previews the course: a plan that keeps the induction's rules, and no
/// course booked for the patient by it. Returns the planned sessions.
#[track_caller]
fn preview(
    app: &App,
    clinic: &Clinic,
    request: &Value,
    monday: NaiveDate,
    minutes: i64,
) -> Vec<Value> {
    let preview = app
        .post(
            &clinic.front_desk,
            &clinic.path("/courses/preview"),
            request,
        )
        .expect(200);
    let planned: Vec<Value> = preview["sessions"].as_array().expect("sessions").clone();
    assert_induction(&planned.iter().collect::<Vec<_>>(), monday, minutes);
    let listed = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!("/courses?patient_id={}", request["patient_id"])),
        )
        .expect(200);
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        0,
        "a preview books nothing"
    );
    planned
}

/// Books the course: every session booked at once, within the rules, each
/// at the previewed time on the previewed chair (one of the clinic's), the
/// reply with an ETag. Returns the course.
#[track_caller]
fn book_as_previewed(
    app: &App,
    clinic: &Clinic,
    request: &Value,
    planned: &[Value],
    monday: NaiveDate,
    minutes: i64,
) -> Value {
    let booked = app.post(&clinic.front_desk, &clinic.path("/courses"), request);
    assert!(booked.header("etag").is_some(), "{booked:?}");
    let course = booked.expect(201);
    let sessions = with_status(&course, &["booked"]);
    assert_eq!(sessions.len(), course["sessions"].as_array().unwrap().len());
    assert_induction(&sessions, monday, minutes);
    for (booked, planned) in sessions.iter().zip(planned) {
        assert_eq!(
            (&booked["start"], &booked["chair_id"]),
            (&planned["start"], &planned["chair_id"]),
            "the booking is the preview"
        );
        assert!(clinic
            .chairs
            .contains(&booked["chair_id"].as_i64().unwrap()));
    }
    course
}

/// The day sheet of a session's day shows every chair, and the session on
/// its own, completed, at its time.
#[track_caller]
fn assert_day_sheet_shows(app: &App, clinic: &Clinic, first: &Value) {
    let fd = &clinic.front_desk;
    let sheet = app
        .get(
            fd,
            &clinic.path(&format!("/day-sheet?date={}", local_date(first))),
        )
        .expect(200);
    assert_eq!(sheet["date"], local_date(first).to_string());
    assert_eq!(sheet["zone"], ZONE_NAME);
    let chairs: Vec<i64> = sheet["chairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["chair_id"].as_i64().unwrap())
        .collect();
    assert_eq!(chairs, clinic.chairs);
    let on_chair = sheet["chairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["chair_id"] == first["chair_id"])
        .unwrap();
    let shown = on_chair["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| id(s) == id(first))
        .unwrap_or_else(|| panic!("session {} not on the day sheet: {sheet}", id(first)));
    assert_eq!(shown["status"], "completed");
    assert_eq!(shown["local"]["start"], first["local"]["start"]);
}

/// The open starts of the protocol's chair time in the week from `monday`
/// lie inside the opening hours, and none is on a chair taken then.
#[track_caller]
fn assert_open_starts_are_free(
    app: &App,
    clinic: &Clinic,
    protocol_id: i64,
    monday: NaiveDate,
    minutes: i64,
) {
    let fd = &clinic.front_desk;
    let to = monday + Duration::days(4);
    let open = app
        .get(
            fd,
            &clinic.path(&format!(
                "/availability?protocol_id={protocol_id}&from={monday}&to={to}"
            )),
        )
        .expect(200);
    assert_eq!(open["chair_minutes"], minutes);
    let starts = open["starts"].as_array().unwrap();
    assert!(!starts.is_empty(), "{open}");
    let taken = app
        .get(
            fd,
            &clinic.path(&format!("/sessions?from={monday}&to={to}&limit=200")),
        )
        .expect(200);
    let taken: Vec<&Value> = taken["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| LIVE.iter().any(|l| s["status"] == *l))
        .collect();
    for start in starts {
        assert_inside_opening_hours(start);
        assert!(
            local_date(start) >= monday && local_date(start) <= to,
            "{start}"
        );
        for session in &taken {
            let overlaps = start["chair_id"] == session["chair_id"]
                && instant(start, "start") < instant(session, "end")
                && instant(session, "start") < instant(start, "end");
            assert!(!overlaps, "open start {start} overlaps {session}");
        }
    }
}
