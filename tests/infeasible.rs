//! When no plan keeps the rules, the front desk learns which rule fails and
//! from when a plan exists, instead of a booking that breaks the protocol.

use chrono::{Duration, NaiveDate};
use serde_json::json;

use crate::support::*;

fn a_closed_month_names_the_rule_and_the_earliest_feasible_date(app: &App) {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-1");
    let protocol = app.protocol(&clinic, "iv-ketamine-standard");
    let minutes = chair_minutes(&protocol);
    let protocol = protocol["id"].as_i64().unwrap();
    let monday = next_monday();
    // Closed for the four weeks in which the first infusion must fall.
    let last_closed = monday + Duration::days(29);
    close_for_renovation(app, &clinic, monday, last_closed);

    let request =
        json!({"patient_id": patient, "protocol_id": protocol, "earliest": monday.to_string()});
    for path in ["/courses/preview", "/courses"] {
        let problem = app
            .post(&clinic.front_desk, &clinic.path(path), &request)
            .problem(422);
        assert_eq!(problem["type"], "/problems/infeasible", "{problem}");
        assert!(
            problem["rule"].as_str().is_some_and(|r| !r.is_empty()),
            "{problem}"
        );
        assert!(earliest_feasible(&problem) > last_closed, "{problem}");
    }
    let courses = app
        .get(&clinic.front_desk, &clinic.path("/courses"))
        .expect(200);
    assert_eq!(courses["items"], json!([]), "nothing was booked");

    // The date offered is good: a course books from it.
    let problem = app
        .post(&clinic.front_desk, &clinic.path("/courses"), &request)
        .problem(422);
    let earliest = earliest_feasible(&problem);
    let course = app
        .post(
            &clinic.front_desk,
            &clinic.path("/courses"),
            &json!({
                "patient_id": patient, "protocol_id": protocol, "earliest": earliest.to_string(),
            }),
        )
        .expect(201);
    let sessions = with_status(&course, &["booked"]);
    assert_induction(&sessions, earliest, minutes);
    assert!(sessions.iter().all(|s| local_date(s) > last_closed));
}
on_every_backend!(a_closed_month_names_the_rule_and_the_earliest_feasible_date);

/// The clinic is closed from `first` to `last`, both days included.
fn close_for_renovation(app: &App, clinic: &Clinic, first: NaiveDate, last: NaiveDate) {
    app.post(
        &clinic.front_desk,
        &clinic.path("/closures"),
        &json!({
            "span": {"kind": "days", "first": first.to_string(), "last": last.to_string()},
            "reason": "renovation",
        }),
    )
    .expect(201);
}

/// The date an infeasible problem offers to plan from, which it must.
#[track_caller]
fn earliest_feasible(problem: &serde_json::Value) -> NaiveDate {
    problem["earliest_feasible"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no earliest_feasible: {problem}"))
}

fn a_clinic_open_only_on_mondays_cannot_keep_the_span(app: &App) {
    let monday_only = json!({"mon": [{"opens": "08:00", "closes": "18:00"}]});
    let clinic = app.clinic_with("Monday Clinic", monday_only, 2);
    let patient = app.patient(&clinic, "MRN-1");
    let protocol = app.protocol_id(&clinic, "iv-ketamine-standard");
    let problem = app
        .post(&clinic.front_desk, &clinic.path("/courses/preview"), &json!({
            "patient_id": patient, "protocol_id": protocol, "earliest": next_monday().to_string(),
        }))
        .problem(422);
    assert_eq!(problem["type"], "/problems/infeasible", "{problem}");
    // Six Mondays span 35 days; the induction allows 21. No later start
    // helps, so no earliest date is offered.
    assert_eq!(problem["rule"], "span", "{problem}");
    assert!(problem["earliest_feasible"].is_null(), "{problem}");
}
on_every_backend!(a_clinic_open_only_on_mondays_cannot_keep_the_span);
