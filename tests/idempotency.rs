//! `Idempotency-Key`: a retried booking books once.

use serde_json::{json, Value};

use crate::support::*;

fn courses_of(app: &App, clinic: &Clinic, patient: i64) -> Vec<Value> {
    app.get(
        &clinic.front_desk,
        &clinic.path(&format!("/courses?patient_id={patient}")),
    )
    .expect(200)["items"]
        .as_array()
        .expect("items")
        .clone()
}

fn a_retried_booking_books_once(app: &App) {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-1");
    let protocol = app.protocol_id(&clinic, "iv-ketamine-standard");
    let body = json!({"patient_id": patient, "protocol_id": protocol, "earliest": next_monday().to_string()});
    let book = |key: &str, body: &Value| {
        app.call("POST", &clinic.path("/courses"))
            .key(&clinic.front_desk)
            .idempotency_key(key)
            .json(body)
            .send()
    };

    let first = book("booking-0001", &body);
    let course = first.expect(201);
    let retry = book("booking-0001", &body);
    assert_eq!(retry.status, 201, "{retry:?}");
    assert_eq!(retry.json(), course, "the same response");
    assert_eq!(
        courses_of(app, &clinic, patient).len(),
        1,
        "no second course"
    );

    // The same key for another request is a client bug, not a retry.
    let other = json!({"patient_id": patient, "protocol_id": protocol, "earliest": (next_monday() + chrono::Duration::days(1)).to_string()});
    let misuse = book("booking-0001", &other).problem(422);
    assert_eq!(error_fields(&misuse), ["Idempotency-Key"], "{misuse}");
    assert_eq!(courses_of(app, &clinic, patient).len(), 1);

    // A new key is a new request: for the same patient, a second induction
    // while the first runs, which the course's rules refuse.
    let second = book("booking-0002", &body).problem(409);
    assert_eq!(second["type"], "/problems/one-running-course", "{second}");
    assert_eq!(second["course_id"], course["id"], "{second}");
    // For another patient it is a new booking.
    let other_patient = app.patient(&clinic, "MRN-2");
    let theirs_body = json!({"patient_id": other_patient, "protocol_id": protocol, "earliest": next_monday().to_string()});
    let new = book("booking-0003", &theirs_body).expect(201);
    assert_ne!(new["id"], course["id"]);

    // Keys belong to the API key that used them: another key's
    // "booking-0001" is its own (here: the same request, so the course
    // rules answer it, not the first key's stored response).
    let colleague = app.create_key("front_desk", Some(clinic.id));
    let theirs = app
        .call("POST", &clinic.path("/courses"))
        .key(&colleague)
        .idempotency_key("booking-0001")
        .json(&body)
        .send()
        .problem(409);
    assert_eq!(theirs["type"], "/problems/one-running-course", "{theirs}");
    assert_eq!(courses_of(app, &clinic, patient).len(), 1);
}
on_every_backend!(a_retried_booking_books_once);

/// Eight identical bookings with one Idempotency-Key, released together (a
/// double click, a retry racing the original). Returns the replies after
/// checking what must hold whatever the statuses: one course, and every
/// success is that course.
fn double_click(app: &App) -> Vec<Reply> {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-1");
    let protocol = app.protocol_id(&clinic, "iv-ketamine-standard");
    let body = json!({"patient_id": patient, "protocol_id": protocol, "earliest": next_monday().to_string()});
    let calls = (0..8)
        .map(|_| {
            app.call("POST", &clinic.path("/courses"))
                .key(&clinic.front_desk)
                .idempotency_key("double-click")
                .json(&body)
        })
        .collect();
    let replies: Vec<Reply> = all_at_once(calls);
    let booked: Vec<Value> = replies
        .iter()
        .filter(|r| r.status == 201)
        .map(|r| r.json()["id"].clone())
        .collect();
    assert!(!booked.is_empty(), "{replies:#?}");
    assert!(
        booked.iter().all(|id| *id == booked[0]),
        "two courses: {booked:?}"
    );
    assert_eq!(courses_of(app, &clinic, patient).len(), 1, "{replies:#?}");
    for reply in replies.iter().filter(|r| r.status != 201) {
        reply.problem(reply.status);
    }
    replies
}

/// The promise for the losers: the stored response, or 409.
#[track_caller]
fn assert_replayed_or_conflict(replies: &[Reply]) {
    for reply in replies.iter().filter(|r| r.status != 201) {
        assert_eq!(
            reply.problem(409)["type"],
            "/problems/idempotency-in-progress",
            "{reply:?}"
        );
    }
}

mod concurrent_duplicates_book_once {
    use super::*;

    #[test]
    fn sqlite() {
        CHAIRSIDE.on_sqlite(|app| assert_replayed_or_conflict(&double_click(app)));
    }

    postgres_test! {
        fn postgres() {
            CHAIRSIDE.on_postgres(|app| {
                double_click(app);
            });
        }
    }

    postgres_test! {
        fn postgres_losers_get_409() {
            CHAIRSIDE.on_postgres(|app| assert_replayed_or_conflict(&double_click(app)));
        }
    }
}

fn a_replayed_creation_carries_the_original_etag(app: &App) {
    let clinic = app.clinic();
    let body =
        json!({"external_ref": "MRN-1", "display_name": "A. Patient", "consent_on_file": true});
    let create = || {
        app.call("POST", &clinic.path("/patients"))
            .key(&clinic.front_desk)
            .idempotency_key("register-mrn-1")
            .json(&body)
            .send()
    };
    let first = create();
    let patient = first.expect(201)["id"].as_i64().unwrap();
    let replay = create();
    assert_eq!(replay.status, 201);
    assert_eq!(replay.text, first.text);
    let path = clinic.path(&format!("/patients/{patient}"));
    assert_eq!(app.get(&clinic.front_desk, &path).etag(), first.etag());
    assert_eq!(
        replay.etag(),
        first.etag(),
        "the replay is not the same response"
    );
    // What a client does with it: change the patient it just created.
    app.call("PATCH", &path)
        .key(&clinic.front_desk)
        .if_match(&replay.etag())
        .json(&json!({"escort_confirmed": true}))
        .send()
        .expect(200);
}
on_every_backend!(a_replayed_creation_carries_the_original_etag);
