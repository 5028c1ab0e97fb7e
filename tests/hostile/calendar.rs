//! Values at the ends of the calendar: dates, a closure, reminder
//! windows.

use serde_json::json;

use super::*;
use crate::support::*;

/// The first and last dates chrono knows.
const FIRST_DATE: &str = "-262143-01-01";
const LAST_DATE: &str = "+262142-12-31";

fn dates_at_the_ends_of_the_calendar_are_refused(app: &App) {
    let clinic = app.clinic();
    let fd = &clinic.front_desk;
    let patient = app.patient(&clinic, "MRN-1");
    let protocol = app.protocol_id(&clinic, "iv-ketamine-standard");
    let (first, last) = (encode(FIRST_DATE), encode(LAST_DATE));
    for path in [
        format!("/day-sheet?date={first}"),
        format!("/day-sheet?date={last}"),
        format!("/sessions?from={first}&to=-262143-01-02"),
        format!("/sessions?from=%2B262142-12-30&to={last}"),
        format!("/availability?protocol_id={protocol}&from={first}&to=-262143-01-10"),
        format!("/availability?protocol_id={protocol}&from=%2B262142-12-25&to={last}"),
    ] {
        let reply = app.get(fd, &clinic.path(&path));
        // Nothing can be there: an empty answer is as good as a refusal.
        if reply.status != 200 {
            client_error(&reply);
        }
    }
    for earliest in [FIRST_DATE, LAST_DATE] {
        let body = json!({"patient_id": patient, "protocol_id": protocol, "earliest": earliest});
        client_error(&app.post(fd, &clinic.path("/courses/preview"), &body));
        client_error(&app.post(fd, &clinic.path("/courses"), &body));
    }
    // Stored dates: kept, or refused naming the field. PostgreSQL's `date`
    // starts in 4714 BC.
    for (n, date) in [FIRST_DATE, LAST_DATE, "-4714-11-23"].iter().enumerate() {
        for field in ["intake_assessed_on", "rems_enrolled_on"] {
            let reply = app.post(
                fd,
                &clinic.path("/patients"),
                &json!({"external_ref": format!("MRN-{field}-{n}"), "display_name": "A", field: date}),
            );
            if reply.status == 201 {
                assert_eq!(reply.json()[field], *date, "{reply:?}");
            } else {
                let problem = client_error(&reply);
                assert_eq!(error_fields(&problem), [field], "{problem}");
            }
        }
    }
    still_up(app);
}
on_every_backend!(dates_at_the_ends_of_the_calendar_are_refused);

fn a_closure_at_the_end_of_the_calendar_does_not_stop_booking(app: &App) {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-1");
    for span in [
        json!({"kind": "days", "first": "+262142-12-30", "last": LAST_DATE}),
        json!({"kind": "range", "start": "+262142-12-31T00:00:00", "end": "+262142-12-31T23:59:59"}),
        json!({"kind": "days", "first": FIRST_DATE, "last": FIRST_DATE}),
    ] {
        let reply = app.post(
            &clinic.front_desk,
            &clinic.path("/closures"),
            &json!({"span": span, "reason": "typo"}),
        );
        if reply.status != 201 {
            client_error(&reply);
        }
    }
    // Refused or stored, it must not stand in the way of the next booking.
    app.book_induction(&clinic, patient);
    still_up(app);
}
on_every_backend!(a_closure_at_the_end_of_the_calendar_does_not_stop_booking);

fn reminder_windows_beyond_any_clock_are_refused(app: &App) {
    let clinic = app.clinic();
    for within in [
        "9999999999999999h",
        "999999999999999m",
        "999999999999999d",
        "-9223372036854775808h",
        "99999999999999999999d",
    ] {
        let reply = app
            .call(
                "GET",
                &format!("/v1/reminders/upcoming?within={}", encode(within)),
            )
            .key(&clinic.front_desk)
            .try_send()
            .unwrap_or_else(|e| panic!("within={within}: no answer (a panic?): {e}"));
        let problem = reply.problem(422);
        assert_eq!(error_fields(&problem), ["within"], "{problem}");
    }
    still_up(app);
}
on_every_backend!(reminder_windows_beyond_any_clock_are_refused);

fn a_clinic_closing_at_midnight_is_taken_and_read_back(app: &App) {
    let hours = json!({"mon": [{"opens": "16:00", "closes": "24:00"}]});
    let clinic = app
        .post(
            &app.admin,
            "/v1/clinics",
            &json!({"name": "Evening clinic", "time_zone": "America/New_York", "hours": hours}),
        )
        .expect(201);
    assert_eq!(clinic["hours"]["mon"][0]["closes"], "24:00", "{clinic}");
    let bad = json!({"mon": [{"opens": "24:00", "closes": "24:00"}]});
    let refused = app.post(
        &app.admin,
        "/v1/clinics",
        &json!({"name": "Never open", "time_zone": "America/New_York", "hours": bad}),
    );
    assert!(matches!(refused.status, 400 | 422), "{:?}", refused.json());
}
on_every_backend!(a_clinic_closing_at_midnight_is_taken_and_read_back);
