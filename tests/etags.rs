//! Strong ETags guard every change: no lost updates between two front-desk
//! screens.

use serde_json::json;

use crate::support::*;

fn changing_a_patient_needs_the_current_etag(app: &App) {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-1");
    let path = clinic.path(&format!("/patients/{patient}"));
    let read = app.get(&clinic.front_desk, &path);
    read.expect(200);
    let first = read.etag();
    assert!(
        first.starts_with('"') && first.ends_with('"'),
        "a strong ETag: {first}"
    );
    assert_eq!(
        app.get(&clinic.front_desk, &path).etag(),
        first,
        "stable while nothing changes"
    );

    let patch = |etag: Option<&str>, name: &str| {
        let call = app.call("PATCH", &path).key(&clinic.front_desk);
        let call = match etag {
            Some(etag) => call.if_match(etag),
            None => call,
        };
        call.json(&json!({"display_name": name})).send()
    };

    patch(None, "B. Patient").problem(428);
    patch(Some("\"not-the-current-one\""), "B. Patient").problem(412);
    let weak = format!("W/{first}");
    patch(Some(&weak), "B. Patient").problem(400);

    let changed = patch(Some(&first), "B. Patient");
    let second = changed.etag();
    assert_eq!(changed.expect(200)["display_name"], "B. Patient");
    assert_ne!(second, first);
    assert_eq!(app.get(&clinic.front_desk, &path).etag(), second);

    // The other screen still holds the first ETag: its change is refused.
    patch(Some(&first), "C. Patient").problem(412);
    let now = app.get(&clinic.front_desk, &path).expect(200);
    assert_eq!(
        now["display_name"], "B. Patient",
        "the refused change did not land"
    );
}
on_every_backend!(changing_a_patient_needs_the_current_etag);

fn changing_a_session_needs_the_current_etag(app: &App) {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-1");
    let course = app.book_induction(&clinic, patient);
    let first = with_status(&course, &["booked"])[0].clone();
    let session = id(&first);
    app.at_start_of(&first, chrono::Duration::zero());
    let check_in = clinic.path(&format!("/sessions/{session}/check-in"));
    let (_, etag) = app.session(&clinic, session);

    app.call("POST", &check_in)
        .key(&clinic.front_desk)
        .send()
        .problem(428);
    app.call("POST", &check_in)
        .key(&clinic.front_desk)
        .if_match("\"stale\"")
        .send()
        .problem(412);
    assert_eq!(app.session(&clinic, session).0["status"], "booked");

    let done = app
        .call("POST", &check_in)
        .key(&clinic.front_desk)
        .if_match(&etag)
        .send();
    let after = done.etag();
    assert_eq!(done.expect(200)["session"]["status"], "checked_in");
    assert_ne!(after, etag);
    assert_eq!(app.session(&clinic, session).1, after);

    // The ETag read before the check-in no longer completes the session.
    let complete = clinic.path(&format!("/sessions/{session}/complete"));
    app.call("POST", &complete)
        .key(&clinic.front_desk)
        .if_match(&etag)
        .send()
        .problem(412);
    app.call("POST", &complete)
        .key(&clinic.front_desk)
        .if_match(&after)
        .send()
        .expect(200);
}
on_every_backend!(changing_a_session_needs_the_current_etag);
