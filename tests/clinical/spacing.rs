//! Booster spacing: only clinicians change it (and the course's
//! lifecycle); below the protocol's floor it needs an override with a
//! reason.

use serde_json::{json, Value};

use super::*;
use crate::support::*;

/// Every change to a course's spacing or lifecycle, each with a body that
/// would be accepted from a clinician.
fn course_decisions() -> [(&'static str, Value); 6] {
    let reason = json!({"reason": "clinical judgement"});
    [
        (
            "booster-policy",
            json!({"policy": policy(28, 14, 42, 3), "reason": "remission held"}),
        ),
        ("booster-policy/step-back", reason.clone()),
        ("pause", reason.clone()),
        ("resume", reason.clone()),
        ("discontinue", reason),
        (
            "at-risk/decision",
            json!({"choice": "accept_extension", "reason": "clinical judgement"}),
        ),
    ]
}

/// A new patient's induction, booked; its id.
fn booked_course(app: &App, clinic: &Clinic, mrn: &str) -> i64 {
    let patient = app.patient(clinic, mrn);
    app.book_induction(clinic, patient)["id"].as_i64().unwrap()
}

fn front_desks_and_integrations_may_not_change_booster_spacing_or_the_course_lifecycle(app: &App) {
    let clinic = app.clinic();
    let fd = clinic.front_desk.clone();
    let course_id = booked_course(app, &clinic, "MRN-2001");
    let (_, etag_before) = read_course(app, &fd, &clinic, course_id);

    for (action, body) in &course_decisions() {
        let problem = on_course(app, &fd, &clinic, course_id, action, body).problem(403);
        assert_eq!(
            problem["type"], "/problems/forbidden",
            "{action}: {problem}"
        );
    }
    // An integration may not either.
    let integration = app.create_key("integration", Some(clinic.id));
    let reason = json!({"reason": "clinical judgement"});
    on_course(app, &integration, &clinic, course_id, "pause", &reason).problem(403);

    // Nothing changed.
    let (_, etag) = read_course(app, &fd, &clinic, course_id);
    assert_eq!(etag, etag_before);
    let history_path = course_path(&clinic, course_id, "/booster-policy/history");
    assert_eq!(app.get(&fd, &history_path).expect(200), json!([]));
}
on_every_backend!(
    front_desks_and_integrations_may_not_change_booster_spacing_or_the_course_lifecycle
);

fn clinicians_and_admins_may_change_booster_spacing_and_the_course_lifecycle(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    let course_id = booked_course(app, &clinic, "MRN-2001");
    let [policy_change, step_back, pause, resume, discontinue, accept] = course_decisions();
    let decide = |(action, body): &(&str, Value)| {
        on_course(app, &clinician, &clinic, course_id, action, body)
    };

    // A clinician may do each of them.
    let changed = decide(&policy_change).expect(200);
    assert_eq!(changed["policy"]["interval_days"], 28, "{changed}");
    let stepped = decide(&step_back).expect(200);
    assert_eq!(stepped["policy"]["interval_days"], 21, "{stepped}");
    // So may an admin.
    let by_admin = on_course(
        app,
        &app.admin,
        &clinic,
        course_id,
        "booster-policy",
        &json!({"policy": policy(35, 14, 42, 3), "reason": "remission held"}),
    )
    .expect(200);
    assert_eq!(by_admin["policy"]["interval_days"], 35, "{by_admin}");
    // The course is not at risk: the clinician is allowed, but there is nothing to decide.
    let problem = decide(&accept).problem(409);
    assert_eq!(problem["type"], "/problems/not-at-risk", "{problem}");
    let paused = decide(&pause).expect(200);
    assert_eq!(paused["status"], "paused", "{paused}");
    let resumed = decide(&resume).expect(200);
    assert_eq!(resumed["status"], "active", "{resumed}");
    let ceased = decide(&discontinue).expect(200);
    assert_eq!(ceased["status"], "ceased", "{ceased}");

    let history_path = course_path(&clinic, course_id, "/booster-policy/history");
    let history = app.get(&clinic.front_desk, &history_path).expect(200);
    let roles: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["clinician", "clinician", "admin"], "{history}");
}
on_every_backend!(clinicians_and_admins_may_change_booster_spacing_and_the_course_lifecycle);

fn booster_spacing_below_the_protocols_floor_needs_an_override_with_a_reason(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    let course_id = booked_course(app, &clinic, "MRN-3001");
    let history_path = course_path(&clinic, course_id, "/booster-policy/history");
    let change_policy =
        |body: &Value| on_course(app, &clinician, &clinic, course_id, "booster-policy", body);

    // The IV preset's floor is 14 days: a floor of 7, or an interval of 10, is below it.
    let too_soon = policy(21, 7, 42, 3);
    for below in [&too_soon, &policy(10, 7, 42, 3)] {
        let reason = "the patient relapses by week two";
        let problem = change_policy(&json!({"policy": below, "reason": reason})).problem(422);
        assert_below_the_floor(&problem);
    }
    // The override needs a reason.
    for reason in ["", "   "] {
        let reply =
            change_policy(&json!({"policy": too_soon, "reason": reason, "override_floor": true}));
        assert_invalid(&reply, "reason");
    }
    assert_eq!(
        app.get(&clinic.front_desk, &history_path).expect(200),
        json!([])
    );
    assert_eq!(
        app.course(&clinic, course_id)["booster_policy"],
        iv_default_policy()
    );

    // With the override and a reason it goes through, and the history says so.
    let reason = "relapses by day 10 at every longer interval";
    let allowed =
        change_policy(&json!({"policy": too_soon, "reason": reason, "override_floor": true}))
            .expect(200);
    assert_eq!(allowed["policy"], too_soon, "{allowed}");
    assert_eq!(app.course(&clinic, course_id)["booster_policy"], too_soon);
    // At the floor, no override is needed.
    let at_floor =
        json!({"policy": policy(14, 14, 42, 3), "reason": "back to the protocol's floor"});
    change_policy(&at_floor).expect(200);
    let history = app.get(&clinic.front_desk, &history_path).expect(200);
    assert_overridden_then_not(history.as_array().unwrap(), reason, &too_soon);

    let trail = trail(app, &clinic);
    let rows = audited(&trail, "booster.policy_changed", "course", course_id);
    let overridden: Vec<&Value> = rows
        .iter()
        .map(|r| &r.after.as_ref().unwrap()["floor_overridden"])
        .collect();
    assert_eq!(overridden, [&json!(true), &json!(false)]);
    let events = outbox_events(app, &clinic);
    assert_eq!(
        announced(&events, "booster.policy_changed", course_id).len(),
        2
    );
}
on_every_backend!(booster_spacing_below_the_protocols_floor_needs_an_override_with_a_reason);

/// A policy change refused for its floor: a rule-violations problem
/// naming `booster_floor`, and only that, with a detail that names the
/// protocol's floor (14 days).
#[track_caller]
fn assert_below_the_floor(problem: &Value) {
    assert_eq!(problem["type"], "/problems/rule-violations", "{problem}");
    assert_eq!(problem["rule"], "booster_floor", "{problem}");
    assert_eq!(violation_rules(problem), ["booster_floor"], "{problem}");
    assert!(
        problem["violations"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("14")),
        "the detail names the protocol's floor: {problem}"
    );
}

/// The history of the two changes: first the override below the floor,
/// from the preset's policy, by a clinician with its reason; then one at
/// the floor that needed none.
#[track_caller]
fn assert_overridden_then_not(history: &[Value], reason: &str, too_soon: &Value) {
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0]["floor_overridden"], true, "{}", history[0]);
    assert_eq!(history[0]["reason"], reason, "{}", history[0]);
    assert_eq!(history[0]["old_policy"], iv_default_policy());
    assert_eq!(history[0]["new_policy"], *too_soon);
    assert_eq!(history[0]["role"], "clinician");
    assert_eq!(history[1]["floor_overridden"], false, "{}", history[1]);
    assert_eq!(history[1]["old_policy"], *too_soon);
}
