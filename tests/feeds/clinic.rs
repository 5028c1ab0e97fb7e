//! The clinic's feed: for staff only, each event titled by its chair.

use super::*;
use crate::support::*;

fn the_clinic_feed_is_for_staff_and_titled_by_chair(app: &App) {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-7");
    let course = app.book_induction(&clinic, patient);
    let sessions = with_status(&course, &["booked"]);
    let path = clinic.path("/calendar.ics");

    app.call("GET", &path).send().problem(401);
    let integration = app.create_key("integration", Some(clinic.id));
    app.get(&integration, &path).problem(403);

    let reply = app.get(&clinic.front_desk, &path);
    let feed = calendar_ok(&reply);
    assert_eq!(feed.events.len(), sessions.len());
    for session in &sessions {
        let event = feed.event(&format!("session-{}-{}@chairside", clinic.id, id(session)));
        let summary = unescape(&event["SUMMARY"]);
        assert!(
            summary.starts_with("Chair ") && summary.ends_with(": session"),
            "{summary}"
        );
        assert_eq!(event["DTSTART"], utc_form(session, "start"));
        assert_eq!(event["STATUS"], "CONFIRMED");
    }
    assert!(
        !reply.text.contains("MRN-7"),
        "no patient in the chair board"
    );

    let unchanged = app
        .call("GET", &path)
        .key(&clinic.front_desk)
        .header("If-None-Match", &reply.etag())
        .send();
    assert_eq!(unchanged.status, 304, "{unchanged:?}");
    assert!(unchanged.text.is_empty());

    // The same UIDs as the patient's own feed: one session, one event.
    let token_path = clinic.path(&format!("/patients/{patient}/calendar-token"));
    let issued = app
        .call("POST", &token_path)
        .key(&clinic.front_desk)
        .send()
        .expect(201);
    let own = calendar_ok(&fetch(app, issued["url"].as_str().unwrap(), None));
    assert_eq!(own.uids(), feed.uids());

    // A key of another clinic may not read this one's board.
    let other = app.clinic_with("Other Clinic", weekday_hours(), 1);
    app.get(&other.front_desk, &path).problem(403);
}
on_every_backend!(the_clinic_feed_is_for_staff_and_titled_by_chair);
