//! Closures and chair blocks as an integration gives them: UTC instants as
//! well as local days and ranges, listed a page at a time and filtered by
//! the dates they touch and the chair they take.

use chrono::{Duration, NaiveTime, TimeZone};
use serde_json::{json, Value};

use crate::support::*;

fn close(app: &App, clinic: &Clinic, chair: Option<i64>, span: Value) -> i64 {
    app.post(
        &clinic.front_desk,
        &clinic.path("/closures"),
        &json!({"chair_id": chair, "span": span, "reason": "blocked"}),
    )
    .expect(201)["id"]
        .as_i64()
        .unwrap()
}

fn listed(app: &App, clinic: &Clinic, query: &str) -> Value {
    app.get(
        &clinic.front_desk,
        &clinic.path(&format!("/closures{query}")),
    )
    .expect(200)
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

fn a_block_given_in_utc_instants_keeps_sessions_off_the_chair(app: &App) {
    let clinic = app.clinic_with("One chair", weekday_hours(), 1);
    let monday = next_monday();
    // 08:00–18:00 New York on Monday, given in UTC (EST or EDT alike).
    let zone: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let at = |h: u32| {
        zone.from_local_datetime(&monday.and_time(NaiveTime::from_hms_opt(h, 0, 0).unwrap()))
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let span = json!({"kind": "instants", "start": at(8).to_rfc3339(), "end": at(18).to_rfc3339()});
    close(app, &clinic, Some(clinic.chairs[0]), span.clone());
    let stored = listed(app, &clinic, "");
    assert_eq!(stored["items"][0]["span"]["kind"], "instants", "{stored}");
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-C1"));
    let first = with_status(&course, &["booked"])[0];
    assert!(
        local_date(first) > monday,
        "not on the blocked Monday: {first}"
    );
    // Backwards instants are refused, naming the field.
    let backwards =
        json!({"kind": "instants", "start": at(18).to_rfc3339(), "end": at(8).to_rfc3339()});
    let refused = app
        .post(
            &clinic.front_desk,
            &clinic.path("/closures"),
            &json!({"span": backwards, "reason": "x"}),
        )
        .problem(422);
    assert_eq!(error_fields(&refused), ["span.end"], "{refused}");
}
on_every_backend!(a_block_given_in_utc_instants_keeps_sessions_off_the_chair);

/// Long on purpose: one clinic's three closures, seen through each filter.
fn closures_are_paged_and_filtered_by_date_and_chair(app: &App) {
    let clinic = app.clinic_with("Two chairs", weekday_hours(), 2);
    let day = |n: i64| (next_monday() + Duration::days(n)).to_string();
    let whole = close(
        app,
        &clinic,
        None,
        json!({"kind": "days", "first": day(0), "last": day(1)}),
    );
    let chair_1 = close(
        app,
        &clinic,
        Some(clinic.chairs[0]),
        json!({"kind": "range", "start": format!("{}T12:00", day(3)), "end": format!("{}T00:00", day(4))}),
    );
    let chair_2 = close(
        app,
        &clinic,
        Some(clinic.chairs[1]),
        json!({"kind": "days", "first": day(7), "last": day(7)}),
    );

    let all = listed(app, &clinic, "");
    assert_eq!(ids(&all), [whole, chair_1, chair_2]);
    // Days touched: a range ending at midnight does not touch the next day.
    assert_eq!(
        ids(&listed(app, &clinic, &format!("?from={}", day(4)))),
        [chair_2]
    );
    assert_eq!(
        ids(&listed(
            app,
            &clinic,
            &format!("?from={}&to={}", day(1), day(3))
        )),
        [whole, chair_1]
    );
    // A chair's list holds its blocks and the clinic's closures.
    assert_eq!(
        ids(&listed(
            app,
            &clinic,
            &format!("?chair_id={}", clinic.chairs[1])
        )),
        [whole, chair_2]
    );
    // A page at a time.
    let first = listed(app, &clinic, "?limit=2");
    assert_eq!(ids(&first), [whole, chair_1]);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = listed(app, &clinic, &format!("?limit=2&cursor={cursor}"));
    assert_eq!(ids(&second), [chair_2]);
    assert!(second["next_cursor"].is_null(), "{second}");
    // A range that ends before it starts is refused.
    let refused = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!("/closures?from={}&to={}", day(3), day(1))),
        )
        .problem(422);
    assert_eq!(error_fields(&refused), ["to"]);
}
on_every_backend!(closures_are_paged_and_filtered_by_date_and_chair);
