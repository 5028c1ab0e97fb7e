//! Strict input, refused as problem documents that name what is wrong:
//! bad JSON bodies, local times that do not exist or repeat, date-times
//! without an offset, unknown things and bad parameters; lists page with
//! opaque cursors.

use serde_json::json;

use super::*;
use crate::support::*;

/// Bodies that are JSON but not a patient's registration, each with the
/// field its problem must name: an unknown field, a wrong type, a date
/// that does not exist or is not a date, a time of day past 24:00.
const NOT_A_REGISTRATION: &[(&str, &str)] = &[
    (
        r#"{"external_ref": "MRN-1", "display_name": "A", "shoe_size": 44}"#,
        "shoe_size",
    ),
    (
        r#"{"external_ref": "MRN-1", "display_name": "A", "consent_on_file": "yes"}"#,
        "consent_on_file",
    ),
    (
        r#"{"external_ref": "MRN-1", "display_name": "A", "intake_assessed_on": "2026-02-30"}"#,
        "intake_assessed_on",
    ),
    (
        r#"{"external_ref": "MRN-1", "display_name": "A", "intake_assessed_on": "last Tuesday"}"#,
        "intake_assessed_on",
    ),
    (
        r#"{"external_ref": "MRN-1", "display_name": "A", "preferences": {"earliest_start": "25:00"}}"#,
        "preferences.earliest_start",
    ),
];

fn bad_json_bodies_are_refused_naming_the_field(app: &App) {
    let clinic = app.clinic();
    let patients = clinic.path("/patients");
    let send = |body: &str| {
        app.call("POST", &patients)
            .key(&clinic.front_desk)
            .raw("application/json", body)
            .send()
    };

    // JSON, but not a registration: the problem names the field.
    for (body, field) in NOT_A_REGISTRATION {
        let problem = send(body).problem(422);
        assert_eq!(error_fields(&problem), [*field], "{body}: {problem}");
    }
    let missing = send(r#"{"external_ref": "MRN-1"}"#).problem(422);
    assert!(
        missing["detail"].as_str().unwrap().contains("display_name"),
        "{missing}"
    );

    // Not JSON: cut off where its last value begins, not JSON at all, or
    // JSON with something after it.
    let whole = r#"{"external_ref": "MRN-1", "display_name": "A"}"#;
    let (cut_short, _) = whole.split_at(whole.find(r#""A""#).unwrap());
    for body in [cut_short, "not json at all", &format!("{whole} trailing")] {
        send(body).problem(400);
    }

    // A form is not JSON either.
    app.call("POST", &patients)
        .key(&clinic.front_desk)
        .raw("application/x-www-form-urlencoded", "external_ref=MRN-1")
        .send()
        .problem(415);

    // Nothing of the above was registered.
    let listed = app.get(&clinic.front_desk, &patients).expect(200);
    assert_eq!(listed["items"], json!([]));
}
on_every_backend!(bad_json_bodies_are_refused_naming_the_field);

fn local_times_that_do_not_exist_or_repeat_are_refused(app: &App) {
    let (clinic, course) = clinic_with_course(app);
    let sessions = clinic.path(&format!("/courses/{}/sessions", course["id"]));
    // 2027-03-14 02:30 is skipped in New York (spring forward).
    let skipped = app
        .post(
            &clinic.front_desk,
            &sessions,
            &json!({"at": {"local_start": "2027-03-14T02:30:00"}}),
        )
        .problem(422);
    assert_eq!(error_fields(&skipped), ["at.local_start"], "{skipped}");
    // 2027-11-07 01:30 happens twice (fall back): say which, or be refused.
    let repeated = app
        .post(
            &clinic.front_desk,
            &sessions,
            &json!({"at": {"local_start": "2027-11-07T01:30:00"}}),
        )
        .problem(422);
    assert_eq!(error_fields(&repeated), ["at.local_start"], "{repeated}");

    // The same when moving a session.
    let first = with_status(&course, &["booked"])[0].clone();
    let moved = app
        .act(
            &clinic,
            id(&first),
            "reschedule",
            Some(&json!({
                "to": {"local_start": "2027-03-14T02:30:00"}, "reason": "test",
            })),
        )
        .problem(422);
    assert_eq!(error_fields(&moved), ["to.local_start"], "{moved}");
    assert_eq!(
        app.session(&clinic, id(&first)).0["start"],
        first["start"],
        "nothing moved"
    );
}
on_every_backend!(local_times_that_do_not_exist_or_repeat_are_refused);

fn date_times_without_an_offset_are_refused(app: &App) {
    let (clinic, course) = clinic_with_course(app);
    let sessions = clinic.path(&format!("/courses/{}/sessions", course["id"]));
    let problem = app
        .post(
            &clinic.front_desk,
            &sessions,
            &json!({"at": {"start": "2027-01-12T10:00:00"}}),
        )
        .problem(422);
    assert_eq!(error_fields(&problem), ["at.start"], "{problem}");
    let problem = app
        .post(
            &clinic.front_desk,
            &sessions,
            &json!({"at": {"start": "2027-01-12"}}),
        )
        .problem(422);
    assert_eq!(error_fields(&problem), ["at.start"], "{problem}");
    // Both ways at once is ambiguous too.
    let problem = app
        .post(
            &clinic.front_desk,
            &sessions,
            &json!({"at": {
                "start": "2027-01-12T10:00:00-05:00", "local_start": "2027-01-12T10:00:00",
            }}),
        )
        .problem(422);
    assert_eq!(error_fields(&problem), ["at"], "{problem}");
    let course = app.course(&clinic, course["id"].as_i64().unwrap());
    assert_eq!(
        course["sessions"].as_array().unwrap().len(),
        6,
        "nothing was added"
    );
}
on_every_backend!(date_times_without_an_offset_are_refused);

fn unknown_things_and_bad_parameters_are_problem_documents(app: &App) {
    let clinic = app.clinic();
    let fd = &clinic.front_desk;
    app.get(&app.admin, "/v1/clinics/987654").problem(404);
    app.get(&app.admin, "/v1/clinics/not-a-number").problem(404);
    app.get(fd, &clinic.path("/sessions/987654")).problem(404);
    app.get(fd, &clinic.path("/courses/987654")).problem(404);
    app.call("GET", "/v1/nothing").send().problem(404);
    app.get(fd, &clinic.path("/day-sheet?date=2026-02-30"))
        .problem(400);
    app.get(fd, &clinic.path("/day-sheet")).problem(400);
    let limit = app.get(fd, &clinic.path("/patients?limit=0")).problem(422);
    assert_eq!(error_fields(&limit), ["limit"], "{limit}");
    let cursor = app
        .get(fd, &clinic.path("/patients?cursor=%21%21"))
        .problem(400);
    assert_eq!(error_fields(&cursor), ["cursor"], "{cursor}");
    let range = app
        .get(fd, &clinic.path("/sessions?from=2027-01-10&to=2027-01-01"))
        .problem(422);
    assert_eq!(error_fields(&range), ["to"], "{range}");
}
on_every_backend!(unknown_things_and_bad_parameters_are_problem_documents);

fn lists_page_with_opaque_cursors(app: &App) {
    let clinic = app.clinic();
    let patients: Vec<i64> = (1..=5)
        .map(|n| app.patient(&clinic, &format!("MRN-{n}")))
        .collect();
    let mut seen = Vec::new();
    let mut path = clinic.path("/patients?limit=2");
    for _ in 0..5 {
        let page = app.get(&clinic.front_desk, &path).expect(200);
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2, "{page}");
        seen.extend(items.iter().map(id));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = clinic.path(&format!("/patients?limit=2&cursor={cursor}")),
            None => break,
        }
    }
    assert_eq!(seen, patients, "every patient once, oldest first");

    let course = app.book_induction(&clinic, patients[0]);
    let first = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!("/sessions?course_id={}&limit=4", course["id"])),
        )
        .expect(200);
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!(
                "/sessions?course_id={}&limit=4&cursor={cursor}",
                course["id"]
            )),
        )
        .expect(200);
    assert!(second["next_cursor"].is_null(), "{second}");
    let mut ids: Vec<i64> = first["items"].as_array().unwrap().iter().map(id).collect();
    ids.extend(second["items"].as_array().unwrap().iter().map(id));
    let mut booked: Vec<i64> = course["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    booked.sort();
    assert_eq!(ids, booked);
}
on_every_backend!(lists_page_with_opaque_cursors);
