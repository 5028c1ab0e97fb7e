//! Boosters in maintenance: stepping back to the previous interval, how
//! many are booked ahead (a clinic setting), a paused course resuming with
//! its booster, and attended boosters that never move.

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use super::*;
use crate::support::*;

/// Books an IV-ketamine induction from next Monday for a new patient and
/// completes its six infusions. Returns the course, the completed sessions
/// and the date of the last infusion.
fn course_in_maintenance(app: &App, clinic: &Clinic, mrn: &str) -> (i64, Vec<i64>, NaiveDate) {
    let patient = app.patient(clinic, mrn);
    let course = app.book_induction(clinic, patient);
    let course_id = course["id"].as_i64().expect("course id");
    let induction = ids(&with_status(&course, &["booked"]));
    assert_eq!(induction.len(), 6, "{course}");
    for (n, session) in induction.iter().enumerate() {
        let completed = check_in_and_complete(app, clinic, *session);
        assert_eq!(completed["course_at_risk"], false, "{completed}");
        if n < 5 {
            assert_eq!(
                completed["booked"],
                json!([]),
                "no booster before the sixth infusion: {completed}"
            );
        }
    }
    let course = app.course(clinic, course_id);
    let done = in_phase(&course, 0, &["completed"]);
    assert_eq!(ids(&done), induction, "{course}");
    let last = local_date(done[5]);
    (course_id, induction, last)
}

fn stepping_back_returns_to_the_previous_booster_interval(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    let (course_id, induction, last) = course_in_maintenance(app, &clinic, "MRN-4001");
    let booster = in_phase(&app.course(&clinic, course_id), 1, &["booked"])
        .first()
        .map(|b| id(b))
        .expect("a booster booked");
    let decide =
        |action: &str, body: &Value| on_course(app, &clinician, &clinic, course_id, action, body);

    let lengthen = json!({"policy": policy(28, 14, 42, 3), "reason": "remission held"});
    let lengthened = decide("booster-policy", &lengthen).expect(200);
    assert_eq!(listed_ids(&lengthened["cancelled"]), [booster]);
    let at_28 = id(&lengthened["booked"][0]);
    assert_booster(&lengthened["booked"][0], last, 28, 3);

    // A step back needs a reason.
    let reply = decide("booster-policy/step-back", &json!({"reason": " "}));
    assert_invalid(&reply, "reason");

    // Worse again: one call returns to the previous step, 28 → 21 days.
    let why = json!({"reason": "PHQ-9 rose from 4 to 13 since the last booster"});
    let stepped = decide("booster-policy/step-back", &why).expect(200);
    assert_eq!(stepped["policy"], iv_default_policy(), "{stepped}");
    assert_eq!(listed_ids(&stepped["cancelled"]), [at_28], "{stepped}");
    let booked = stepped["booked"].as_array().unwrap();
    assert_eq!(booked.len(), 1, "{stepped}");
    assert_booster(&booked[0], last, 21, 3);

    let course = app.course(&clinic, course_id);
    assert_eq!(course["booster_policy"], iv_default_policy());
    assert_eq!(ids(&in_phase(&course, 0, &["completed"])), induction);
    assert_eq!(
        ids(&with_status(&course, &["booked"])),
        [id(&booked[0])],
        "{course}"
    );
    assert_last_policy_change(app, &clinic, course_id, (28, 21), &why["reason"]);

    // 21 → 14, and 14 is the most frequent step the protocol has.
    let again = decide("booster-policy/step-back", &why).expect(200);
    assert_eq!(again["policy"]["interval_days"], 14, "{again}");
    assert_booster(&again["booked"][0], last, 14, 3);
    let problem = decide("booster-policy/step-back", &why).problem(409);
    assert_eq!(problem["type"], "/problems/no-shorter-step", "{problem}");

    // Three changes (lengthened, stepped back twice), each audited and announced.
    let changes = audited_and_announced(app, &clinic, "booster.policy_changed", course_id);
    assert_eq!(changes, (3, 3));
}
on_every_backend!(stepping_back_returns_to_the_previous_booster_interval);

/// The course's last booster-policy change, as its history lists it: from
/// one interval to another (in days), by a clinician, for this reason.
#[track_caller]
fn assert_last_policy_change(
    app: &App,
    clinic: &Clinic,
    course: i64,
    (from, to): (i64, i64),
    reason: &Value,
) {
    let history = app
        .get(
            &clinic.front_desk,
            &course_path(clinic, course, "/booster-policy/history"),
        )
        .expect(200);
    let last_change = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last_change["old_policy"]["interval_days"], from,
        "{last_change}"
    );
    assert_eq!(
        last_change["new_policy"]["interval_days"], to,
        "{last_change}"
    );
    assert_eq!(last_change["reason"], *reason, "{last_change}");
    assert_eq!(last_change["role"], "clinician", "{last_change}");
}

fn boosters_ahead_is_a_clinic_setting_and_attended_boosters_never_move(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    set_clinic_setting(app, &clinic, "boosters_ahead", json!(2));
    let (course_id, induction, last) = course_in_maintenance(app, &clinic, "MRN-4101");

    // Two boosters stand ahead, each about three weeks after the one before.
    let course = app.course(&clinic, course_id);
    let ahead = in_phase(&course, 1, &["booked"]);
    assert_eq!(ahead.len(), 2, "{course}");
    assert_booster(ahead[0], last, 21, 3);
    assert_booster(ahead[1], local_date(ahead[0]), 21, 3);
    let (first, second) = (id(ahead[0]), id(ahead[1]));
    let first_date = local_date(ahead[0]);

    // The first booster is given: another is booked so that two stay ahead.
    let given = check_in_and_complete(app, &clinic, first);
    let topped_up = given["booked"].as_array().expect("booked");
    assert_eq!(topped_up.len(), 1, "{given}");
    let course = app.course(&clinic, course_id);
    let ahead = in_phase(&course, 1, &["booked"]);
    assert_eq!(ids(&ahead), [second, id(&topped_up[0])], "{course}");
    assert_booster(ahead[1], local_date(ahead[0]), 21, 3);
    let attended = placements(&with_status(&course, &["completed"]));

    // Lengthening moves both future boosters and neither attended one.
    let changed = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "booster-policy",
        &json!({"policy": policy(28, 14, 42, 3), "reason": "remission held"}),
    )
    .expect(200);
    let mut cancelled = listed_ids(&changed["cancelled"]);
    cancelled.sort();
    assert_eq!(cancelled, ids(&ahead), "{changed}");
    let booked = changed["booked"].as_array().expect("booked");
    assert_eq!(booked.len(), 2, "{changed}");
    assert_booster(&booked[0], first_date, 28, 3);
    assert_booster(&booked[1], local_date(&booked[0]), 28, 3);
    let course = app.course(&clinic, course_id);
    assert_eq!(
        placements(&with_status(&course, &["completed"])),
        attended,
        "attended sessions never move"
    );
    assert_eq!(
        ids(&in_phase(&course, 0, &["completed"])),
        induction,
        "{course}"
    );
    assert_eq!(
        ids(&in_phase(&course, 1, &["booked"])),
        listed_ids(&changed["booked"]),
        "{course}"
    );
}
on_every_backend!(boosters_ahead_is_a_clinic_setting_and_attended_boosters_never_move);

fn a_course_paused_in_maintenance_resumes_with_its_booster(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    let (course_id, _, last) = course_in_maintenance(app, &clinic, "MRN-4201");
    let booster = id(in_phase(&app.course(&clinic, course_id), 1, &["booked"])[0]);

    let paused = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "pause",
        &json!({"reason": "travelling for a month"}),
    )
    .expect(200);
    assert_eq!(paused["status"], "paused", "{paused}");
    assert_eq!(paused["current_phase"], 1, "{paused}");
    assert_eq!(with_status(&paused, &["booked"]).len(), 0, "{paused}");
    assert_eq!(app.session(&clinic, booster).0["status"], "cancelled");

    let resumed = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "resume",
        &json!({"reason": "back home"}),
    )
    .expect(200);
    assert_eq!(resumed["status"], "active", "{resumed}");
    assert_eq!(resumed["current_phase"], 1, "{resumed}");
    let ahead = in_phase(&resumed, 1, &["booked"]);
    assert_eq!(ahead.len(), 1, "{resumed}");
    assert_ne!(id(ahead[0]), booster, "{resumed}");
    assert_booster(ahead[0], last, 21, 3);
}
on_every_backend!(a_course_paused_in_maintenance_resumes_with_its_booster);

fn a_checked_in_booster_is_attended_and_stays_where_it_is(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    let (course_id, _, _) = course_in_maintenance(app, &clinic, "MRN-4301");
    let booster = in_phase(&app.course(&clinic, course_id), 1, &["booked"])[0].clone();
    app.at_start_of(&booster, Duration::zero());
    app.act(&clinic, id(&booster), "check-in", None).expect(200);

    let changed = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "booster-policy",
        &json!({"policy": policy(28, 14, 42, 3), "reason": "remission held"}),
    )
    .expect(200);
    assert_eq!(changed["cancelled"], json!([]), "{changed}");
    let booked = changed["booked"].as_array().expect("booked");
    assert_eq!(
        booked.len(),
        1,
        "the next booster, after the one attended: {changed}"
    );
    assert_booster(&booked[0], local_date(&booster), 28, 3);
    let now = app.session(&clinic, id(&booster)).0;
    assert_eq!(now["status"], "checked_in", "{now}");
    assert_eq!(
        (&now["start"], &now["chair_id"]),
        (&booster["start"], &booster["chair_id"])
    );
}
on_every_backend!(a_checked_in_booster_is_attended_and_stays_where_it_is);
