//! Registering patients and keeping their preferences and gate facts.

use chairside_engine::PatientPreferences;
use chairside_store::models::{NewPatient, PatientUpdate};
use chairside_store::{repo, DbConnection};
use serde_json::json;

use crate::auth::Caller;
use crate::dto::patient::{CreatePatient, PatientView, Preferences, UpdatePatient};
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::service::{audit, taken};
use crate::views;

fn check(
    external_ref: &str,
    display_name: &str,
    preferences: &Preferences,
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
    PatientPreferences::from(preferences)
        .validate()
        .map_err(|e| match e {
            chairside_engine::EngineError::InvalidInput { field, reason } => {
                ApiError::invalid_field(field, reason)
            }
            other => other.into(),
        })
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
    let patient = repo::patients::create(
        conn,
        clinic_id,
        &NewPatient {
            external_ref: new.external_ref.clone(),
            display_name: new.display_name.clone(),
            preferences: serde_json::to_value(&new.preferences).expect("serialises"),
            intake_assessed_on: new.intake_assessed_on,
            consent_on_file: new.consent_on_file,
            rems_enrolled_on: new.rems_enrolled_on,
            escort_confirmed: new.escort_confirmed,
        },
    )
    .map_err(external_ref_taken(&new.external_ref))?;
    let view = views::patient(&patient)?;
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
        "duplicate-external-ref",
        format!("a patient with external_ref {external_ref:?} already exists in this clinic"),
    )
}

/// Changes a patient, guarded by If-Match.
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    patient_id: i64,
    if_match: &IfMatch,
    change: &UpdatePatient,
) -> Result<PatientView, ApiError> {
    let current = repo::patients::get(conn, clinic_id, patient_id)?;
    let before = views::patient(&current)?;
    if_match.check(&before)?;
    check(
        change
            .external_ref
            .as_deref()
            .unwrap_or(&before.external_ref),
        change
            .display_name
            .as_deref()
            .unwrap_or(&before.display_name),
        change.preferences.as_ref().unwrap_or(&before.preferences),
    )?;
    let updated = repo::patients::update(
        conn,
        clinic_id,
        patient_id,
        current.version,
        &PatientUpdate {
            external_ref: change.external_ref.clone(),
            display_name: change.display_name.clone(),
            preferences: change
                .preferences
                .as_ref()
                .map(|p| serde_json::to_value(p).expect("serialises")),
            intake_assessed_on: change.intake_assessed_on.map(Some),
            consent_on_file: change.consent_on_file,
            rems_enrolled_on: change.rems_enrolled_on.map(Some),
            escort_confirmed: change.escort_confirmed,
            calendar_token_hash: None,
        },
    )
    .map_err(external_ref_taken(
        change
            .external_ref
            .as_deref()
            .unwrap_or(&before.external_ref),
    ))?;
    let fields: Vec<&str> = [
        ("external_ref", change.external_ref.is_some()),
        ("display_name", change.display_name.is_some()),
        ("preferences", change.preferences.is_some()),
        ("intake_assessed_on", change.intake_assessed_on.is_some()),
        ("consent_on_file", change.consent_on_file.is_some()),
        ("rems_enrolled_on", change.rems_enrolled_on.is_some()),
        ("escort_confirmed", change.escort_confirmed.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, changed)| changed.then_some(name))
    .collect();
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
    views::patient(&updated)
}
