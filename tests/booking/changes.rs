//! Changes to a booked induction: a re-plan numbers each session once; a
//! patient who arrived but was not dosed is rebooked inside the rules;
//! cancelling all remaining sessions starts at the course's next booking.

use serde_json::{json, Value};

use super::*;
use crate::support::*;

fn a_replanned_induction_numbers_each_session_once(app: &App) {
    let clinic = app.clinic();
    let minutes = chair_minutes(&app.protocol(&clinic, "iv-ketamine-standard"));
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let course_id = course["id"].as_i64().unwrap();
    let second = id(with_status(&course, &["booked"])[1]);
    app.when(&clinic, second, 30);
    let missed = app.act(&clinic, second, "no-show", None).expect(200);
    assert_eq!(
        missed["booked"].as_array().unwrap().len(),
        1,
        "one session replaces the missed one: {missed}"
    );
    let course = app.course(&clinic, course_id);
    let live = with_status(&course, LIVE);
    assert_induction(&live, next_monday(), minutes);
    // `sequence` is the position in the phase, in time order: each once.
    let positions: Vec<i64> = live
        .iter()
        .map(|s| s["sequence"].as_i64().unwrap())
        .collect();
    let unique: std::collections::BTreeSet<i64> = positions.iter().copied().collect();
    assert_eq!(
        unique.len(),
        positions.len(),
        "two sessions claim one position: {positions:?}"
    );
}
on_every_backend!(a_replanned_induction_numbers_each_session_once);

fn arrived_but_not_dosed_is_rebooked_inside_the_rules(app: &App) {
    let clinic = app.clinic();
    let minutes = chair_minutes(&app.protocol(&clinic, "iv-ketamine-standard"));
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let course_id = course["id"].as_i64().unwrap();
    let first = id(with_status(&course, &["booked"])[0]);
    app.when(&clinic, first, 0);
    app.act(&clinic, first, "check-in", None).expect(200);
    let change = app
        .act(
            &clinic,
            first,
            "not-dosed",
            Some(&json!({"reason": "blood pressure 152/96 before dosing"})),
        )
        .expect(200);
    assert_eq!(change["session"]["status"], "not_dosed");
    assert_eq!(
        change["session"]["reason"],
        "blood pressure 152/96 before dosing"
    );
    let course = app.course(&clinic, course_id);
    if change["course_at_risk"] == true {
        assert!(!course["at_risk"].is_null(), "{course}");
    } else {
        assert_eq!(change["booked"].as_array().unwrap().len(), 1, "{change}");
        // Six infusions still to give, inside the induction's rules.
        assert_induction(&with_status(&course, &["booked"]), next_monday(), minutes);
    }
    // Not dosed is an outcome: it does not become completed later.
    app.act(&clinic, first, "complete", None).problem(409);
    // A reason is required.
    let second = id(with_status(&course, &["booked"])[0]);
    app.when(&clinic, second, 0);
    app.act(&clinic, second, "check-in", None).expect(200);
    let problem = app
        .act(&clinic, second, "not-dosed", Some(&json!({"reason": " "})))
        .problem(422);
    assert_eq!(error_fields(&problem), ["reason"], "{problem}");
}
on_every_backend!(arrived_but_not_dosed_is_rebooked_inside_the_rules);

fn cancelling_all_remaining_starts_at_the_next_booking(app: &App) {
    let clinic = app.clinic();
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let sessions: Vec<Value> = with_status(&course, &["booked"])
        .into_iter()
        .cloned()
        .collect();
    let remaining = json!({"scope": "remaining", "reason": "the patient moves away"});
    // A course on hold holds no booking: "all remaining" cannot leave the
    // earlier sessions booked, so it is refused, naming the first of them.
    let refused = app
        .act(&clinic, id(&sessions[3]), "cancel", Some(&remaining))
        .problem(409);
    assert_eq!(refused["type"], "/problems/status-transition", "{refused}");
    let first = id(&sessions[0]).to_string();
    assert!(
        refused["detail"].as_str().unwrap().contains(&first),
        "names session {first}: {refused}"
    );
    let course_id = course["id"].as_i64().unwrap();
    assert_unchanged_except(&course, &app.course(&clinic, course_id), &[]);

    let change = app
        .act(&clinic, id(&sessions[0]), "cancel", Some(&remaining))
        .expect(200);
    assert_eq!(change["session"]["status"], "cancelled");
    let also: Vec<i64> = change["cancelled"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    assert_eq!(also, sessions[1..].iter().map(id).collect::<Vec<_>>());
    let after = app.course(&clinic, course_id);
    assert_eq!(after["status"], "paused", "{after}");
    assert_eq!(with_status(&after, &["cancelled"]).len(), 6, "{after}");
    // Their chairs are free again.
    let date = local_date(&sessions[5]);
    let protocol = app.protocol_id(&clinic, "iv-ketamine-standard");
    let open = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!(
                "/availability?protocol_id={protocol}&from={date}&to={date}&chair_id={}",
                sessions[5]["chair_id"]
            )),
        )
        .expect(200);
    let starts: Vec<&Value> = open["starts"].as_array().unwrap().iter().collect();
    assert!(
        starts.iter().any(|s| s["start"] == sessions[5]["start"]),
        "the freed slot is offered again: {open}"
    );
}
on_every_backend!(cancelling_all_remaining_starts_at_the_next_booking);
