//! Sessions as the clinic's day runs them: a future session cannot be
//! checked in, completed or missed today; "not dosed" is a miss wherever
//! doses are counted; a cancelled induction session is rebooked (or the
//! course goes at risk); sessions are numbered in time order after a move.

use chrono::Duration;
use serde_json::{json, Value};

use super::*;
use crate::support::*;

/// A session three weeks ahead could be checked in, completed or marked
/// no-show today; a whole induction could be "completed" before it happened
/// and boosters booked from it.
fn a_future_session_cannot_be_checked_in_completed_or_missed_today(app: &App) {
    let clinic = app.clinic();
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let last = with_status(&course, &["booked"])[5].clone();
    let check_in = app.act(&clinic, id(&last), "check-in", None).problem(409);
    assert_eq!(check_in["type"], "/problems/check-in-window", "{check_in}");
    assert_eq!(check_in["rule"], "check_in_window", "{check_in}");
    // It says when check-in opens: an hour before the start.
    assert_eq!(
        check_in["possible_from"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()),
        Some((instant(&last, "start") - Duration::minutes(60)).fixed_offset()),
        "{check_in}"
    );
    let no_show = app.act(&clinic, id(&last), "no-show", None).problem(409);
    assert_eq!(no_show["rule"], "no_show_grace", "{no_show}");
    assert!(no_show["possible_from"].is_string(), "{no_show}");
    for session in with_status(&course, &["booked"]) {
        let complete = app.act(&clinic, id(session), "complete", None).problem(409);
        assert_eq!(complete["rule"], "status_order", "{complete}");
    }
    let after = app.course(&clinic, course["id"].as_i64().unwrap());
    assert_eq!(after["current_phase"], 0, "{after}");
    assert_eq!(with_status(&after, &["booked"]).len(), 6, "{after}");

    // On the day, from an hour before the start, the desk checks in.
    app.at_start_of(&last, Duration::minutes(-60));
    app.act(&clinic, id(&last), "check-in", None).expect(200);
}
on_every_backend!(a_future_session_cannot_be_checked_in_completed_or_missed_today);

/// Not dosed was a miss to the rebooking path but one of the six to the
/// add-a-session path: after a not-dosed session, adding the replacement
/// answered 422 "7 sessions; the series holds 6". Now a not-dosed session
/// is a miss everywhere: its replacement is booked by the rules, and the
/// induction ends at the sixth *completed* dose.
fn not_dosed_is_a_miss_wherever_doses_are_counted(app: &App) {
    let clinic = app.clinic();
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let course_id = course["id"].as_i64().unwrap();
    let first = with_status(&course, &["booked"])[0].clone();
    app.at_start_of(&first, Duration::zero());
    app.act(&clinic, id(&first), "check-in", None).expect(200);
    let change = app
        .act(
            &clinic,
            id(&first),
            "not-dosed",
            Some(&json!({"reason": "blood pressure 152/96"})),
        )
        .expect(200);
    assert_eq!(change["booked"].as_array().unwrap().len(), 1, "{change}");
    let course = app.course(&clinic, course_id);
    assert_eq!(doses(&course).len(), 6, "{course}");
    assert_eq!(with_status(&course, &["not_dosed"]).len(), 1);
    // Adding a seventh dose is refused by the count, which excludes the miss.
    let added = app
        .post(
            &clinic.front_desk,
            &clinic.path(&format!("/courses/{course_id}/sessions")),
            &json!({"at": {"local_start": format!("{}T10:00", local_date(&first) + Duration::days(40))}}),
        )
        .problem(422);
    assert!(
        violation_rules(&added).iter().any(|r| r == "session_count"),
        "{added}"
    );
    // Five completed doses do not end the induction; the sixth does.
    let booked: Vec<i64> = with_status(&course, &["booked"])
        .iter()
        .map(|s| id(s))
        .collect();
    for (n, session) in booked.iter().enumerate() {
        app.when(&clinic, *session, 0);
        app.act(&clinic, *session, "check-in", None).expect(200);
        app.when(&clinic, *session, 60);
        app.act(&clinic, *session, "complete", None).expect(200);
        let now = app.course(&clinic, course_id);
        assert_eq!(
            now["current_phase"],
            if n < 5 { 0 } else { 1 },
            "after dose {}: {now}",
            n + 1
        );
    }
}
on_every_backend!(not_dosed_is_a_miss_wherever_doses_are_counted);

/// Cancelling one induction session left five, with no re-plan and no
/// at-risk flag.
fn a_cancelled_induction_session_is_rebooked_or_the_course_goes_at_risk(app: &App) {
    let clinic = app.clinic();
    let minutes = chair_minutes(&app.protocol(&clinic, "iv-ketamine-standard"));
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let third = with_status(&course, &["booked"])[2].clone();
    let change = app
        .act(
            &clinic,
            id(&third),
            "cancel",
            Some(&json!({"scope": "this", "reason": "patient travelling"})),
        )
        .expect(200);
    let course = app.course(&clinic, course["id"].as_i64().unwrap());
    assert_eq!(change["booked"].as_array().unwrap().len(), 1, "{change}");
    assert_eq!(course["at_risk"], Value::Null, "{course}");
    assert_induction(&doses(&course), next_monday(), minutes);
    // The cancelled day is not offered again for that dose.
    assert!(
        doses(&course)
            .iter()
            .all(|s| local_date(s) != local_date(&third)),
        "{course}"
    );
}
on_every_backend!(a_cancelled_induction_session_is_rebooked_or_the_course_goes_at_risk);

/// After a reschedule, session numbers no longer followed time order.
fn sessions_are_numbered_in_time_order_after_a_move(app: &App) {
    let clinic = app.clinic();
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let first = with_status(&course, &["booked"])[0].clone();
    app.act(
        &clinic,
        id(&first),
        "reschedule",
        Some(&json!({"next_best": {}, "reason": "a cold"})),
    )
    .expect(200);
    let course = app.course(&clinic, course["id"].as_i64().unwrap());
    let numbers: Vec<i64> = with_status(&course, LIVE)
        .iter()
        .map(|s| s["sequence"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, (1..=6).collect::<Vec<_>>(), "{course}");
    let (moved, _) = app.session(&clinic, id(&first));
    assert!(moved["sequence"].as_i64().unwrap() > 1, "{moved}");
}
on_every_backend!(sessions_are_numbered_in_time_order_after_a_move);
