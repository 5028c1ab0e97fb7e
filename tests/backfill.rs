//! Freed chair time and held times, end to end: a portal holds one
//! session's new time (and races others for it), chair time a cancellation
//! frees is offered to whoever gains most, accepted in one call, or passed
//! on when declined or left to run out.

mod held_times;
mod month;
mod offers;

use serde_json::{json, Value};

use crate::support::*;

/// The clinic's event types, oldest first.
fn event_types(app: &App, clinic: &Clinic) -> Vec<String> {
    app.store()
        .read(|conn| chairside_store::repo::outbox::list_after(conn, Some(clinic.id), 0, 5000))
        .unwrap()
        .into_iter()
        .map(|e| e.event_type)
        .collect()
}

/// Turns backfill on: freed time is offered, held `minutes` minutes.
fn backfill_on(app: &App, clinic: &Clinic, minutes: i64) {
    let path = clinic.path("");
    let etag = app.get(&app.admin, &path).etag();
    app.call("PATCH", &path)
        .key(&app.admin)
        .if_match(&etag)
        .json(&json!({"settings": {"backfill_offer_minutes": minutes}}))
        .send()
        .expect(200);
}

/// Books an IV induction for `patient` from `earliest`.
fn induction_from(app: &App, clinic: &Clinic, patient: i64, earliest: chrono::NaiveDate) -> Value {
    let protocol = app.protocol_id(clinic, "iv-ketamine-standard");
    app.post(
        &clinic.front_desk,
        &clinic.path("/courses"),
        &json!({"patient_id": patient, "protocol_id": protocol, "earliest": earliest.to_string()}),
    )
    .expect(201)
}

/// Runs the backfill sweep at the clinic's now (the server's own worker
/// may have done part of it first).
fn sweep(app: &App) -> usize {
    chairside_api::workers::backfill::sweep(&app.store(), app.now()).expect("backfill sweep")
}

/// The clinic's offers in `status`.
fn offers(app: &App, clinic: &Clinic, status: &str) -> Vec<Value> {
    app.get(
        &clinic.front_desk,
        &clinic.path(&format!("/offers?status={status}")),
    )
    .expect(200)["items"]
        .as_array()
        .expect("items")
        .clone()
}
