//! The conventions every endpoint keeps: problem documents, keys and roles,
//! strict input, request ids, and the operations endpoints.

mod input;
mod keys;
mod operations;

use serde_json::Value;

use crate::support::*;

/// A clinic with one patient on a booked induction: something to point
/// requests at.
fn clinic_with_course(app: &App) -> (Clinic, Value) {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-1");
    let course = app.book_induction(&clinic, patient);
    (clinic, course)
}
