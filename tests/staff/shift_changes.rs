//! Changing who is on the floor: a change that would leave booked sessions
//! uncovered is refused with the list of them; one that leaves them covered
//! goes through, with the usual ETag.

use serde_json::{json, Value};

use super::*;

fn patch_staff(app: &App, clinic: &Clinic, staff: i64, change: Value) -> Reply {
    let path = clinic.path(&format!("/staff/{staff}"));
    let etag = app.get(&app.admin, &path).etag();
    app.call("PATCH", &path)
        .key(&app.admin)
        .if_match(&etag)
        .json(&change)
        .send()
}

fn a_shift_removal_that_uncovers_sessions_is_refused_with_their_list(app: &App) {
    let clinic = staffed_clinic(app, json!([]));
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let booked: Vec<i64> = with_status(&course, &["booked"])
        .iter()
        .map(|s| id(s))
        .collect();
    let staff = app.get(&app.admin, &clinic.path("/staff")).expect(200);
    let prescriber = staff
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["roles"] == json!(["prescriber"]))
        .expect("a prescriber")["id"]
        .as_i64()
        .unwrap();

    let refused = patch_staff(app, &clinic, prescriber, json!({"shifts": null})).problem(409);
    assert_eq!(
        refused["type"], "/problems/shift-change-uncovers",
        "{refused}"
    );
    assert_eq!(refused["rule"], "staff_coverage");
    let named: Vec<i64> = refused["uncovered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["session_id"].as_i64().unwrap())
        .collect();
    assert_eq!(named, booked, "every session needs the prescriber on site");
    assert!(refused["uncovered"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("prescriber"));
    // Nothing changed.
    let unchanged = app
        .get(&app.admin, &clinic.path(&format!("/staff/{prescriber}")))
        .expect(200);
    assert_eq!(unchanged["shifts"], weekday_shift());

    // (A merge patch removes a member with null: the shifts become none.)
    // A second prescriber first; then the first may go.
    add_staff(app, &clinic, "MD D", &["prescriber"], json!([]));
    let changed = patch_staff(app, &clinic, prescriber, json!({"shifts": null})).expect(200);
    assert_eq!(changed["shifts"], json!({}));
}
on_every_backend!(a_shift_removal_that_uncovers_sessions_is_refused_with_their_list);

fn turning_staff_planning_on_is_refused_while_sessions_would_be_uncovered(app: &App) {
    let clinic = app.clinic();
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    add_staff(app, &clinic, "RN A", &["nurse"], json!([]));
    let refused = patch_settings(app, &clinic, json!({"plan_with_staff": true})).problem(409);
    assert_eq!(
        refused["type"], "/problems/shift-change-uncovers",
        "{refused}"
    );
    assert_eq!(
        refused["uncovered"].as_array().unwrap().len(),
        with_status(&course, &["booked"]).len(),
        "no prescriber listed: every infusion is uncovered"
    );
    add_staff(app, &clinic, "MD C", &["prescriber"], json!([]));
    let on = patch_settings(app, &clinic, json!({"plan_with_staff": true})).expect(200);
    assert_eq!(on["settings"]["plan_with_staff"], true);
}
on_every_backend!(turning_staff_planning_on_is_refused_while_sessions_would_be_uncovered);

fn staff_members_follow_the_apis_conventions(app: &App) {
    let clinic = app.clinic();
    let first = add_staff(app, &clinic, "RN A", &["nurse"], json!([]));
    let twice = app
        .post(
            &app.admin,
            &clinic.path("/staff"),
            &json!({"label": "RN A", "roles": ["nurse"]}),
        )
        .problem(409);
    assert_eq!(twice["type"], "/problems/duplicate-staff-label");
    let no_role = app
        .post(
            &app.admin,
            &clinic.path("/staff"),
            &json!({"label": "X", "roles": []}),
        )
        .problem(422);
    assert_eq!(error_fields(&no_role), ["roles"], "{no_role}");
    let extra_as_days = app
        .post(
            &app.admin,
            &clinic.path("/staff"),
            &json!({"label": "Y", "roles": ["nurse"], "exceptions": [{"kind": "extra_shift", "span": {"kind": "days", "first": "2027-01-04", "last": "2027-01-04"}}]}),
        )
        .problem(422);
    assert_eq!(
        error_fields(&extra_as_days),
        ["exceptions[0].span"],
        "{extra_as_days}"
    );
    // The front desk reads staff but does not change them.
    app.get(&clinic.front_desk, &clinic.path("/staff"))
        .expect(200);
    let path = clinic.path(&format!("/staff/{first}"));
    let etag = app.get(&clinic.front_desk, &path).etag();
    let denied = app
        .call("PATCH", &path)
        .key(&clinic.front_desk)
        .if_match(&etag)
        .json(&json!({"label": "RN Z"}))
        .send()
        .problem(403);
    assert_eq!(denied["type"], "/problems/forbidden");
    let stale = app
        .call("PATCH", &path)
        .key(&app.admin)
        .if_match("\"stale\"")
        .json(&json!({"label": "RN Z"}))
        .send()
        .problem(412);
    assert_eq!(stale["type"], "/problems/stale");
}
on_every_backend!(staff_members_follow_the_apis_conventions);
