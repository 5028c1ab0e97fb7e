//! Nurses, not chairs, stagger starts; a prescriber's day off moves the
//! sessions that need one; a time chosen by hand without cover is refused.

use chrono::Duration;
use serde_json::{json, Value};

use super::*;

fn nurse_coverage_not_chairs_staggers_starts(app: &App) {
    // IV ketamine: 10 min check (a nurse 1:1), 40 min infusion (a nurse per
    // three, a prescriber on site), 40 min recovery (a nurse per four). Two
    // nurses check two patients at 08:00; a third start at 08:00 would need
    // a third nurse, though chair 3 is free. At 08:15 the first two are
    // infusing (one nurse) and the second nurse checks the third patient.
    let clinic = staffed_clinic(app, json!([]));
    let courses: Vec<_> = ["MRN-1", "MRN-2", "MRN-3"]
        .iter()
        .map(|mrn| app.book_induction(&clinic, app.patient(&clinic, mrn)))
        .collect();
    assert_eq!(local_starts(&courses[0]), vec!["08:00"; 6]);
    assert_eq!(local_starts(&courses[1]), vec!["08:00"; 6]);
    assert_eq!(local_starts(&courses[2]), vec!["08:15"; 6]);
    let chairs: std::collections::BTreeSet<_> = courses[..2]
        .iter()
        .flat_map(|c| with_status(c, &["booked"]))
        .map(|s| s["chair_id"].as_i64().unwrap())
        .collect();
    assert_eq!(chairs.len(), 2, "two chairs at 08:00; the third stays free");

    the_day_sheet_shows_where_the_day_is_tight(app, &clinic);

    // The same three patients in a clinic that plans on chairs alone start
    // together.
    let unstaffed = app.clinic_with("Chairs only", weekday_hours(), 3);
    for n in 1..=2 {
        app.book_induction(&unstaffed, app.patient(&unstaffed, &format!("U-{n}")));
    }
    let third = app.book_induction(&unstaffed, app.patient(&unstaffed, "U-3"));
    assert_eq!(local_starts(&third), vec!["08:00"; 6]);
}
on_every_backend!(nurse_coverage_not_chairs_staggers_starts);

/// Per quarter hour, each role's need at the busiest instant and cover at
/// the thinnest, on the staggered day above.
fn the_day_sheet_shows_where_the_day_is_tight(app: &App, clinic: &Clinic) {
    let sheet = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!("/day-sheet?date={}", next_monday())),
        )
        .expect(200);
    let slot = |time: &str| {
        sheet["coverage"]
            .as_array()
            .expect("coverage per slot")
            .iter()
            .find(|s| s["local_time"] == time)
            .unwrap_or_else(|| panic!("no slot {time}: {sheet}"))
            .clone()
    };
    let role = |slot: &Value, role: &str| {
        let cover = slot["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["role"] == role)
            .cloned();
        cover.map(|r| {
            (
                r["needed"].as_u64().unwrap(),
                r["on_shift"].as_u64().unwrap(),
            )
        })
    };
    assert_eq!(
        role(&slot("08:00"), "nurse"),
        Some((2, 2)),
        "two checks at once"
    );
    assert_eq!(role(&slot("08:00"), "prescriber"), Some((1, 1)));
    assert_eq!(
        role(&slot("17:45"), "nurse"),
        Some((0, 2)),
        "an empty end of day"
    );
}

fn a_prescribers_day_off_moves_the_sessions_that_need_one(app: &App) {
    let monday = next_monday();
    let clinic = staffed_clinic(
        app,
        json!([{"kind": "leave", "span": {"kind": "days", "first": monday.to_string(), "last": monday.to_string()}}]),
    );
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let booked = with_status(&course, &["booked"]);
    assert_eq!(booked.len(), 6);
    assert_eq!(
        local_date(booked[0]),
        monday + Duration::days(1),
        "no prescriber on site on Monday: the induction starts on Tuesday"
    );
    assert!(booked.iter().all(|s| local_date(s) != monday));
}
on_every_backend!(a_prescribers_day_off_moves_the_sessions_that_need_one);

fn a_time_chosen_by_hand_without_cover_is_refused(app: &App) {
    let clinic = staffed_clinic(app, json!([]));
    for mrn in ["MRN-1", "MRN-2"] {
        app.book_induction(&clinic, app.patient(&clinic, mrn));
    }
    let third = app.book_induction(&clinic, app.patient(&clinic, "MRN-3"));
    let first = with_status(&third, &["booked"])[0];
    let at = format!("{}T08:00", local_date(first));
    let refused = app
        .act(
            &clinic,
            id(first),
            "reschedule",
            Some(&json!({"to": {"local_start": at}, "reason": "patient asked"})),
        )
        .problem(409);
    assert_eq!(refused["type"], "/problems/staff-short", "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().contains("nurse"),
        "{refused}"
    );
}
on_every_backend!(a_time_chosen_by_hand_without_cover_is_refused);
