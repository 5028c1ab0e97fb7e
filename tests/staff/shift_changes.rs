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

/// The id of the clinic's one prescriber.
fn the_prescriber(app: &App, clinic: &Clinic) -> i64 {
    let staff = app.get(&app.admin, &clinic.path("/staff")).expect(200);
    staff
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["roles"] == json!(["prescriber"]))
        .expect("a prescriber")["id"]
        .as_i64()
        .unwrap()
}

fn a_shift_removal_that_uncovers_sessions_is_refused_with_their_list(app: &App) {
    let clinic = staffed_clinic(app, json!([]));
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let booked: Vec<i64> = with_status(&course, &["booked"])
        .iter()
        .map(|s| id(s))
        .collect();
    let prescriber = the_prescriber(app, &clinic);

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

/// Long on purpose: the refusal, the dry run and the confirmed re-plan are
/// one story of one day off.
fn a_shift_removal_refused_is_then_re_planned(app: &App) {
    let clinic = staffed_clinic(app, json!([]));
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-R1"));
    let booked = with_status(&course, &["booked"]);
    let second = booked[1].clone();
    let day_off = local_date(&second).to_string();
    let prescriber = the_prescriber(app, &clinic);
    let leave = json!({"exceptions": [{"kind": "leave", "span": {"kind": "days", "first": day_off, "last": day_off}}]});

    // The day off alone is refused: the second dose needs a prescriber.
    let refused = patch_staff(app, &clinic, prescriber, leave.clone()).problem(409);
    assert_eq!(
        refused["uncovered"][0]["session_id"],
        json!(id(&second)),
        "{refused}"
    );

    let member = clinic.path(&format!("/staff/{prescriber}"));
    let replan = |confirm: bool| {
        let etag = app.get(&app.admin, &member).etag();
        app.call("POST", &format!("{member}/replan"))
            .key(&app.admin)
            .if_match(&etag)
            .json(&json!({"change": leave, "confirm": confirm}))
            .send()
    };

    // A dry run says where the dose would go, and writes nothing.
    let dry = replan(false).expect(200);
    assert_eq!(dry["applied"], false, "{dry}");
    let moves = dry["moved"].as_array().expect("moves").clone();
    assert_eq!(moves.len(), 1, "{dry}");
    assert_eq!(moves[0]["to"]["id"], json!(id(&second)));
    assert_ne!(moves[0]["to"]["local"]["date"], json!(day_off), "{dry}");
    let (still, _) = app.session(&clinic, id(&second));
    assert_eq!(still["start"], second["start"], "the dry run moved nothing");
    assert_eq!(
        app.get(&app.admin, &member).expect(200)["exceptions"],
        json!([])
    );

    // Confirmed, the change and the move are made, as the dry run said.
    let done = replan(true).expect(200);
    assert_eq!(done["applied"], true, "{done}");
    let placed = |m: &Value| {
        (
            m["to"]["id"].clone(),
            m["to"]["chair_id"].clone(),
            m["to"]["start"].clone(),
        )
    };
    assert_eq!(placed(&done["moved"][0]), placed(&moves[0]), "{done}");
    let (moved, _) = app.session(&clinic, id(&second));
    assert_eq!(moved["start"], moves[0]["to"]["start"]);
    assert_eq!(moved["status"], "booked");
    assert_eq!(
        app.get(&app.admin, &member).expect(200)["exceptions"],
        leave["exceptions"]
    );
    // Integrations hear of each member added and each change (the dry run
    // left none).
    let events: Vec<String> = app
        .store()
        .read(|conn| chairside_store::repo::outbox::list_after(conn, Some(clinic.id), 0, 1000))
        .unwrap()
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    let count = |kind: &str| events.iter().filter(|e| *e == kind).count();
    assert_eq!(
        (count("staff.added"), count("staff.changed")),
        (3, 1),
        "{events:?}"
    );
    // Nothing of the course is left on the day off.
    let after = app.course(&clinic, id(&course));
    assert!(with_status(&after, &["booked"])
        .iter()
        .all(|s| local_date(s).to_string() != day_off));
}
on_every_backend!(a_shift_removal_refused_is_then_re_planned);
