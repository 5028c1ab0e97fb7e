//! A whole course over HTTP: the induction, then boosters spaced by how
//! the patient responds, each change audited and announced.

use chrono::{Duration, NaiveDate, Utc};
use serde_json::{json, Value};

use super::*;
use crate::support::*;

// Long on purpose: one course's life on the clinic's clock, from the
// baseline score through six infusions to boosters spaced by response.
// Each step acts on what the one before left (the ETag read in maintenance
// is the one the policy change must carry, and the one that change
// produced must survive the suggestions), so splitting it would hide the
// order under test. The steps themselves are named helpers below.
fn a_whole_course_runs_from_induction_to_boosters_spaced_by_response(app: &App) {
    let clinic = app.clinic();
    let fd = clinic.front_desk.clone();
    let clinician = clinician(app, &clinic);
    let patient = app.patient(&clinic, "MRN-1001");
    let course = app.book_induction(&clinic, patient);
    let course_id = course["id"].as_i64().unwrap();
    assert_eq!(course["current_phase"], 0, "{course}");
    assert_eq!(course["booster_policy"], iv_default_policy(), "{course}");

    // A PHQ-9 before the first infusion is the baseline.
    let two_days_ago = Some(Utc::now() - Duration::days(2));
    let baseline = record(
        app,
        &clinician,
        &clinic,
        course_id,
        "phq9",
        20,
        two_days_ago,
    );
    assert_eq!(baseline.expect(201)["baseline"], true, "{baseline:?}");

    // Six infusions: the sixth starts maintenance with one booster booked
    // ahead (`boosters_ahead` defaults to 1), three weeks after the last.
    let induction = ids(&with_status(&course, &["booked"]));
    assert_eq!(induction.len(), 6, "{course}");
    let sixth = give_the_induction(app, &clinic, &induction);
    let (course, etag_in_maintenance) = read_course(app, &fd, &clinic, course_id);
    let (first_booster, last_infusion) = assert_in_maintenance(&course, &induction, &sixth);
    let induction_before = placements(&in_phase(&course, 0, &["completed"]));

    // IV ketamine is not under REMS: no monitoring form was opened.
    let forms = app.get(&fd, &clinic.path("/rems-forms")).expect(200);
    assert_eq!(forms, json!([]));

    // A clinician lengthens the interval; If-Match is required and must be
    // current. Only the future booster moves: cancelled, and booked again
    // at the new target; attended sessions never move.
    let lengthen = json!({
        "policy": policy(28, 14, 42, 3),
        "reason": "PHQ-9 in remission since the induction",
    });
    let changed = change_policy_with_if_match(
        app,
        &clinic,
        &clinician,
        course_id,
        &etag_in_maintenance,
        &lengthen,
    );
    let second_booster = assert_only_the_booster_moved(&changed, first_booster, last_infusion, 28);
    let (course, etag_lengthened) = read_course(app, &fd, &clinic, course_id);
    assert_ne!(etag_lengthened, etag_in_maintenance);
    assert_eq!(course["booster_policy"], lengthen["policy"], "{course}");
    let attended = placements(&in_phase(&course, 0, &["completed"]));
    assert_eq!(attended, induction_before, "attended sessions never move");
    assert_booster_replaced(&course, first_booster, second_booster);
    assert_policy_history(app, &clinic, course_id, &clinician, &lengthen);

    // Scores in remission suggest lengthening one step; symptoms returning
    // suggest shortening one.
    suggestions_follow_the_scores(app, &clinic, &clinician, course_id);

    // A suggestion changes nothing until a clinician applies it.
    let (course, etag_now) = read_course(app, &fd, &clinic, course_id);
    assert_eq!(etag_now, etag_lengthened, "{course}");

    let whole_course = WholeCourse {
        course: course_id,
        induction: &induction,
        first_booster,
    };
    assert_every_change_audited_and_announced(app, &clinic, &clinician, &whole_course, &lengthen);
}
on_every_backend!(a_whole_course_runs_from_induction_to_boosters_spaced_by_response);

/// Gives the six infusions in turn: none puts the course at risk, none
/// before the sixth books a booster. Returns what completing the sixth did.
fn give_the_induction(app: &App, clinic: &Clinic, induction: &[i64]) -> Value {
    let mut last_reply = Value::Null;
    for (n, session) in induction.iter().enumerate() {
        let completed = check_in_and_complete(app, clinic, *session);
        assert_eq!(completed["course_at_risk"], false, "{completed}");
        if n < 5 {
            assert_eq!(completed["booked"], json!([]), "{completed}");
        }
        last_reply = completed;
    }
    last_reply
}

/// The course, its induction given, is active in maintenance, not at risk,
/// with exactly one booster booked (the one completing the sixth infusion
/// booked) about three weeks after the last infusion, and nothing else
/// booked. Returns the booster and the date of the last infusion.
#[track_caller]
fn assert_in_maintenance(course: &Value, induction: &[i64], sixth: &Value) -> (i64, NaiveDate) {
    assert_eq!(course["current_phase"], 1, "{course}");
    assert_eq!(course["status"], "active", "{course}");
    assert!(course["at_risk"].is_null(), "{course}");
    let done = in_phase(course, 0, &["completed"]);
    assert_eq!(ids(&done), induction, "{course}");
    let last_infusion = local_date(done[5]);
    let boosters = in_phase(course, 1, &["booked"]);
    assert_eq!(boosters.len(), 1, "exactly one booster ahead: {course}");
    assert_eq!(listed_ids(&sixth["booked"]), ids(&boosters));
    assert_booster(boosters[0], last_infusion, 21, 3);
    assert_eq!(
        with_status(course, &["booked"]).len(),
        1,
        "nothing else is booked: {course}"
    );
    (id(boosters[0]), last_infusion)
}

/// Changes the booster policy as a client must: refused without
/// `If-Match` (428) and with a stale one (412), done with the current one.
fn change_policy_with_if_match(
    app: &App,
    clinic: &Clinic,
    clinician: &str,
    course: i64,
    etag: &str,
    change: &Value,
) -> Value {
    let policy_path = course_path(clinic, course, "/booster-policy");
    let call = || app.call("POST", &policy_path).key(clinician).json(change);
    call().send().problem(428);
    call()
        .if_match("\"not-the-current-etag\"")
        .send()
        .problem(412);
    let changed = call().if_match(etag).send().expect(200);
    assert_eq!(changed["policy"], change["policy"], "{changed}");
    changed
}

/// The policy change cancelled only the booked booster and booked one
/// booster again, `interval` days (± 3) after the last infusion. Returns
/// the new booster.
#[track_caller]
fn assert_only_the_booster_moved(
    changed: &Value,
    booster: i64,
    last_infusion: NaiveDate,
    interval: i64,
) -> i64 {
    assert_eq!(listed_ids(&changed["cancelled"]), [booster], "{changed}");
    assert_eq!(changed["cancelled"][0]["status"], "cancelled", "{changed}");
    let rebooked = changed["booked"].as_array().expect("booked");
    assert_eq!(rebooked.len(), 1, "{changed}");
    assert_booster(&rebooked[0], last_infusion, interval, 3);
    id(&rebooked[0])
}

/// The course's only booked session is the booster booked again; the one
/// it replaced is still listed, cancelled.
#[track_caller]
fn assert_booster_replaced(course: &Value, old: i64, new: i64) {
    assert_eq!(ids(&with_status(course, &["booked"])), [new], "{course}");
    let old = course["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| id(s) == old)
        .expect("the first booster is still listed");
    assert_eq!(old["status"], "cancelled", "{old}");
}

/// Records PHQ-9 scores after the baseline of 20 (none of them a
/// baseline) and reads the suggestion after each turn: two in remission
/// (4, 3) suggest lengthening from 28 to 35 days; then 14, less than 50%
/// below the baseline, suggests shortening to 21. Each explanation names
/// the scores it rests on.
fn suggestions_follow_the_scores(app: &App, clinic: &Clinic, clinician: &str, course: i64) {
    for score in [4, 3] {
        let measure = record(app, clinician, clinic, course, "phq9", score, None).expect(201);
        assert_eq!(measure["baseline"], false, "{measure}");
    }
    let suggestion_path = course_path(clinic, course, "/booster-suggestion");
    let suggestion = app.get(&clinic.front_desk, &suggestion_path).expect(200);
    let lengthen_one_step = json!({"direction": "lengthen", "rule": "remission_held", "instrument": "phq9",
        "current_interval_days": 28, "suggested_interval_days": 35, "baseline": 20, "recent": [4, 3]});
    assert_suggests(&suggestion, &lengthen_one_step, &["4", "3"]);

    record(app, clinician, clinic, course, "phq9", 14, None).expect(201);
    let suggestion = app.get(&clinic.front_desk, &suggestion_path).expect(200);
    let shorten_one_step = json!({"direction": "shorten", "rule": "loss_of_response",
        "current_interval_days": 28, "suggested_interval_days": 21, "baseline": 20, "recent": [3, 14]});
    assert_suggests(&suggestion, &shorten_one_step, &["14", "20"]);
}

/// The history says who changed what, from what, and why: the one change,
/// by the clinician's key, from the preset's policy, no floor overridden.
#[track_caller]
fn assert_policy_history(app: &App, clinic: &Clinic, course: i64, clinician: &str, change: &Value) {
    let history = app
        .get(
            &clinic.front_desk,
            &course_path(clinic, course, "/booster-policy/history"),
        )
        .expect(200);
    let history = history.as_array().expect("a list");
    assert_eq!(history.len(), 1, "{history:?}");
    let change_listed = &history[0];
    assert_eq!(
        change_listed["key_id"],
        key_id(app, clinician),
        "{change_listed}"
    );
    assert_eq!(change_listed["role"], "clinician", "{change_listed}");
    assert_eq!(
        change_listed["old_policy"],
        iv_default_policy(),
        "{change_listed}"
    );
    assert_eq!(
        change_listed["new_policy"], change["policy"],
        "{change_listed}"
    );
    assert_eq!(change_listed["reason"], change["reason"], "{change_listed}");
    assert_eq!(change_listed["floor_overridden"], false, "{change_listed}");
    assert!(
        change_listed["changed_at"].as_str().is_some(),
        "{change_listed}"
    );
}

/// The suggestion has each of these fields as given, and its explanation
/// mentions each of these scores.
#[track_caller]
fn assert_suggests(suggestion: &Value, fields: &Value, mentions: &[&str]) {
    for (field, value) in fields.as_object().expect("fields") {
        assert_eq!(suggestion[field], *value, "{field}: {suggestion}");
    }
    assert!(
        suggestion["explanation"]
            .as_str()
            .is_some_and(|e| mentions.iter().all(|m| e.contains(m))),
        "{suggestion}"
    );
}

/// What the audit trail and the outbox are checked against.
struct WholeCourse<'a> {
    course: i64,
    induction: &'a [i64],
    first_booster: i64,
}

/// Every change left an audit row and an outbox event: the policy change
/// (by the clinician's key, with what changed and why), the end of the
/// induction, each infusion completed, the booster cancelled, the six
/// infusions and two boosters booked; scores are audited by instrument,
/// never by value.
#[track_caller]
fn assert_every_change_audited_and_announced(
    app: &App,
    clinic: &Clinic,
    clinician: &str,
    whole: &WholeCourse,
    change: &Value,
) {
    let course_id = whole.course;
    let trail = trail(app, clinic);
    let events = outbox_events(app, clinic);
    let rows = audited(&trail, "booster.policy_changed", "course", course_id);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].key_id, Some(key_id(app, clinician)));
    assert_eq!(rows[0].role.as_str(), "clinician");
    let after = rows[0].after.as_ref().expect("what changed");
    assert_eq!(after["old_policy"], iv_default_policy(), "{after}");
    assert_eq!(after["new_policy"], change["policy"], "{after}");
    assert_eq!(after["reason"], change["reason"], "{after}");
    announced(&events, "booster.policy_changed", course_id);
    audited(&trail, "course.phase_completed", "course", course_id);
    announced(&events, "course.phase_completed", course_id);
    for session in whole.induction {
        audited(&trail, "session.completed", "session", *session);
    }
    assert_eq!(announced(&events, "session.completed", course_id).len(), 6);
    audited(&trail, "session.cancelled", "session", whole.first_booster);
    announced(&events, "session.cancelled", course_id);
    // The boosters were announced: the first and the one booked again.
    assert_eq!(
        announced(&events, "session.booked", course_id).len(),
        6 + 2,
        "six infusions and two boosters"
    );
    let measures = audited(&trail, "measure.recorded", "course", course_id);
    assert_eq!(measures.len(), 4);
    for row in measures {
        let after = row.after.as_ref().expect("what was recorded");
        assert!(
            after["instrument"]
                .as_str()
                .is_some_and(|i| i.eq_ignore_ascii_case("phq9")),
            "{after}"
        );
        assert!(
            after.get("score").is_none(),
            "a score in the audit trail: {after}"
        );
    }
}
