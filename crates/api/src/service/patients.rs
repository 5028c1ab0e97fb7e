//! Registering patients and keeping their preferences and gate facts.

use chairside_engine::PatientPreferences;
use chairside_store::models::{NewPatient, PatientUpdate};
use chairside_store::{repo, DbConnection};
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::dto::patient::{CreatePatient, PatientView};
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::problem_kind::ProblemKind;
use crate::service::merge_patch::patched;
use crate::service::{audit, taken};
use crate::views;

pub(crate) fn check(
    external_ref: &str,
    display_name: &str,
    preferences: &PatientPreferences,
) -> Result<(), ApiError> {
    if external_ref.trim().is_empty() || external_ref.len() > 100 {
        return Err(ApiError::invalid_field(
            "external_ref",
            "must be 1 to 100 characters",
        ));
    }
    if display_name.trim().is_empty() || display_name.chars().count() > 200 {
        return Err(ApiError::invalid_field(
            "display_name",
            "must be 1 to 200 characters",
        ));
    }
    if preferences.unavailable_dates.len() > 366 {
        return Err(ApiError::invalid_field(
            "preferences.unavailable_dates",
            "at most 366 dates",
        ));
    }
    chairside_engine::dates::check_all(
        "preferences.unavailable_dates",
        &preferences.unavailable_dates,
    )?;
    preferences.validate().map_err(|e| match e {
        chairside_engine::EngineError::InvalidInput { field, reason } => {
            ApiError::invalid_field(field, reason)
        }
        other => other.into(),
    })
}

/// The row a patient's registration writes.
pub(crate) fn new_patient(body: &CreatePatient) -> NewPatient {
    NewPatient {
        external_ref: body.external_ref.clone(),
        display_name: body.display_name.clone(),
        preferences: body.preferences.clone(),
        intake_assessed_on: body.intake_assessed_on,
        consent_on_file: body.consent_on_file,
        rems_enrolled_on: body.rems_enrolled_on,
        escort_confirmed: body.escort_confirmed,
    }
}

/// Registers a patient.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    new: &CreatePatient,
) -> Result<PatientView, ApiError> {
    check(&new.external_ref, &new.display_name, &new.preferences)?;
    repo::clinics::get(conn, clinic_id)?;
    let patient = repo::patients::create(conn, clinic_id, &new_patient(new))
        .map_err(external_ref_taken(&new.external_ref))?;
    let view = views::patient(&patient);
    // The audit row names the patient by id only: names stay out of the trail's summaries.
    audit(
        conn,
        caller,
        Some(clinic_id),
        "patient.created",
        "patient",
        Some(patient.id),
        None,
        None,
    )?;
    Ok(view)
}

fn external_ref_taken(external_ref: &str) -> impl FnOnce(chairside_store::StoreError) -> ApiError {
    taken(
        ProblemKind::DuplicateExternalRef,
        format!("a patient with external_ref {external_ref:?} already exists in this clinic"),
    )
}

/// Changes a patient, guarded by If-Match. The body is a JSON Merge
/// Patch: what it leaves out stays as it is; `null` clears a date.
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    patient_id: i64,
    if_match: &IfMatch,
    patch: &Value,
) -> Result<PatientView, ApiError> {
    let current = repo::patients::get(conn, clinic_id, patient_id)?;
    let before = views::patient(&current);
    if_match.check(&before)?;
    let writable = json!({
        "external_ref": before.external_ref,
        "display_name": before.display_name,
        "preferences": before.preferences,
        "intake_assessed_on": before.intake_assessed_on,
        "consent_on_file": before.consent_on_file,
        "rems_enrolled_on": before.rems_enrolled_on,
        "escort_confirmed": before.escort_confirmed,
    });
    let change: CreatePatient = patched(writable, patch)?;
    check(
        &change.external_ref,
        &change.display_name,
        &change.preferences,
    )?;
    let updated = repo::patients::update(
        conn,
        clinic_id,
        patient_id,
        current.version,
        &PatientUpdate {
            external_ref: Some(change.external_ref.clone()),
            display_name: Some(change.display_name.clone()),
            preferences: Some(change.preferences.clone()),
            intake_assessed_on: Some(change.intake_assessed_on),
            consent_on_file: Some(change.consent_on_file),
            rems_enrolled_on: Some(change.rems_enrolled_on),
            escort_confirmed: Some(change.escort_confirmed),
            calendar_token_hash: None,
        },
    )
    .map_err(external_ref_taken(&change.external_ref))?;
    // The audit row names the fields changed, never their values.
    let fields: Vec<&str> = patch
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    audit(
        conn,
        caller,
        Some(clinic_id),
        "patient.updated",
        "patient",
        Some(patient_id),
        None,
        Some(json!({ "fields": fields })),
    )?;
    Ok(views::patient(&updated))
}
