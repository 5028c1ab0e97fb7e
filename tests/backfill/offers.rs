//! Chair time a cancellation frees is offered to whoever gains most: a
//! course whose next session moves earlier into it, else a patient on the
//! waiting list; accepted in one call, or passed on when declined or left
//! to run out.

use chrono::Duration;
use serde_json::json;

use super::*;

/// A one-chair clinic with backfill on; the first patient's induction
/// starts next Monday, the second's on Thursday. The first cancels their
/// second dose: its time is free.
struct Freed {
    clinic: Clinic,
    /// The cancelled session (its chair time is the freed time).
    cancelled: Value,
    /// The second patient's first session, which could move earlier.
    later: Value,
}

fn a_cancellation_frees_time(app: &App) -> Freed {
    let clinic = app.clinic_with("One chair", weekday_hours(), 1);
    backfill_on(app, &clinic, 15);
    let first = app.book_induction(&clinic, app.patient(&clinic, "MRN-B1"));
    let thursday = next_monday() + Duration::days(3);
    let second = induction_from(app, &clinic, app.patient(&clinic, "MRN-B2"), thursday);
    let cancelled = with_status(&first, &["booked"])[1].clone();
    let later = with_status(&second, &["booked"])[0].clone();
    assert!(instant(&later, "start") > instant(&cancelled, "start"));
    app.act(
        &clinic,
        id(&cancelled),
        "cancel",
        Some(&json!({"scope": "this", "reason": "patient unwell"})),
    )
    .expect(200);
    Freed {
        clinic,
        cancelled,
        later,
    }
}

fn freed_time_is_offered_to_the_course_that_gains_most_and_accepted_in_one_call(app: &App) {
    let Freed {
        clinic,
        cancelled,
        later,
    } = a_cancellation_frees_time(app);
    sweep(app);
    let open = offers(app, &clinic, "open");
    assert_eq!(open.len(), 1, "{open:?}");
    let offer = &open[0];
    assert_eq!(offer["kind"], "earlier", "{offer}");
    assert_eq!(offer["session_id"], later["id"]);
    assert_eq!(offer["start"], cancelled["start"]);
    assert!(event_types(app, &clinic).contains(&"slot.offered".to_string()));
    // While it is offered, the time is held: nobody else books it.
    let other = app.patient(&clinic, "MRN-B3");
    let booked = induction_from(app, &clinic, other, local_date(&cancelled));
    assert!(with_status(&booked, &["booked"])
        .iter()
        .all(|s| s["start"] != cancelled["start"]));

    let accept = clinic.path(&format!("/offers/{}/accept", offer["id"]));
    let accepted = app
        .post(&clinic.front_desk, &accept, &json!({}))
        .expect(200);
    assert_eq!(accepted["status"], "accepted", "{accepted}");
    let (moved, _) = app.session(&clinic, id(&later));
    assert_eq!(moved["start"], cancelled["start"], "{moved}");
    assert_eq!(moved["status"], "booked");
    // Once is enough: the offer is closed.
    app.post(&clinic.front_desk, &accept, &json!({}))
        .problem(409);
    let types = event_types(app, &clinic);
    assert!(
        types.contains(&"slot.offer_accepted".to_string()),
        "{types:?}"
    );
    assert_eq!(app.overlapping_live_pairs(), 0);
}
on_every_backend!(freed_time_is_offered_to_the_course_that_gains_most_and_accepted_in_one_call);

/// A patient on the waiting list (once: joining again is 409).
fn waiting_for_a_course(app: &App, clinic: &Clinic) -> Value {
    let waiting = app.patient(clinic, "MRN-W1");
    let protocol = app.protocol_id(clinic, "iv-ketamine-standard");
    let join = json!({"patient_id": waiting, "protocol_id": protocol});
    let entry = app
        .post(&clinic.front_desk, &clinic.path("/waitlist"), &join)
        .expect(201);
    assert_eq!(entry["status"], "waiting");
    app.post(&clinic.front_desk, &clinic.path("/waitlist"), &join)
        .problem(409);
    entry
}

/// A waiting patient is taken off the list, once.
fn taken_off_the_list(app: &App, clinic: &Clinic, entry: &Value) {
    let withdraw = clinic.path(&format!("/waitlist/{}/withdraw", entry["id"]));
    let gone = app
        .post(&clinic.front_desk, &withdraw, &json!({}))
        .expect(200);
    assert_eq!(gone["status"], "withdrawn");
    app.post(&clinic.front_desk, &withdraw, &json!({}))
        .problem(409);
}

fn a_declined_or_unanswered_offer_goes_to_the_next_in_line(app: &App) {
    let Freed {
        clinic, cancelled, ..
    } = a_cancellation_frees_time(app);
    let entry = waiting_for_a_course(app, &clinic);
    sweep(app);
    let first = offers(app, &clinic, "open").remove(0);
    assert_eq!(first["kind"], "earlier");
    let decline = clinic.path(&format!("/offers/{}/decline", first["id"]));
    assert_eq!(
        app.post(&clinic.front_desk, &decline, &json!({}))
            .expect(200)["status"],
        "declined"
    );

    // Next in line: the patient waiting for a first course, held for them.
    sweep(app);
    let second = offers(app, &clinic, "open").remove(0);
    assert_eq!(second["kind"], "first_course", "{second}");
    assert_eq!(second["waitlist_id"], entry["id"]);
    assert_eq!(second["start"], cancelled["start"]);
    let held = app.course(&clinic, second["course_id"].as_i64().unwrap());
    assert!(held["held_until"].is_string(), "{held}");

    // Unanswered: it runs out, the course is let go, the patient waits again.
    app.set_now(app.now() + Duration::minutes(16));
    sweep(app);
    let expired = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!("/offers/{}", second["id"])),
        )
        .expect(200);
    assert_eq!(expired["status"], "expired", "{expired}");
    let list = app
        .get(&clinic.front_desk, &clinic.path("/waitlist?status=waiting"))
        .expect(200);
    assert_eq!(list["items"][0]["id"], entry["id"], "{list}");
    assert_eq!(
        app.course(&clinic, second["course_id"].as_i64().unwrap())["status"],
        "ceased"
    );
    let types = event_types(app, &clinic);
    for event in [
        "slot.offer_declined",
        "slot.offer_expired",
        "course.hold_released",
    ] {
        assert!(types.contains(&event.to_string()), "{event} in {types:?}");
    }
    taken_off_the_list(app, &clinic, &entry);
}
on_every_backend!(a_declined_or_unanswered_offer_goes_to_the_next_in_line);

fn backfill_is_off_until_a_clinic_turns_it_on(app: &App) {
    let clinic = app.clinic_with("One chair", weekday_hours(), 1);
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-O1"));
    let second = with_status(&course, &["booked"])[1].clone();
    app.act(
        &clinic,
        id(&second),
        "cancel",
        Some(&json!({"scope": "this", "reason": "x"})),
    )
    .expect(200);
    sweep(app);
    assert!(offers(app, &clinic, "open").is_empty());
    let path = clinic.path("");
    let etag = app.get(&app.admin, &path).etag();
    let refused = app
        .call("PATCH", &path)
        .key(&app.admin)
        .if_match(&etag)
        .json(&json!({"settings": {"backfill_offer_minutes": 600}}))
        .send()
        .problem(422);
    assert!(
        refused.to_string().contains("backfill_offer_minutes"),
        "{refused}"
    );
}
on_every_backend!(backfill_is_off_until_a_clinic_turns_it_on);
