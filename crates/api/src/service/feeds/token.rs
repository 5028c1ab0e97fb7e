//! A patient's feed token: a secret URL for their phone calendar, shown
//! once, stored only as its SHA-256, revocable. It carries its clinic's id
//! (`<clinic_id>.<43 base64url characters>`) so a feed is found by an
//! indexed lookup of the hash, never by comparing tokens.

use base64::Engine;
use chairside_store::models::PatientUpdate;
use chairside_store::{repo, sha256_hex, DbConnection};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::service::audit;

/// Random bytes in a feed token.
const TOKEN_BYTES: usize = 32;
/// Characters of their unpadded base64url form.
const TOKEN_SECRET_CHARS: usize = 43;

/// A patient's feed token, shown once when issued.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CalendarToken {
    /// The secret. Only its hash is stored: it cannot be shown again.
    pub token: String,
    /// The feed's path on this server, to paste into a calendar app
    /// (`/calendar/<token>.ics`, no API key needed).
    pub url: String,
}

/// The feed path of a token, as the feed's route declares it.
pub fn feed_path(token: &str) -> String {
    crate::openapi::path_of("patient_feed").replace("{token}", token)
}

/// Issues a patient's feed token, replacing (and so revoking) any earlier
/// one. The patient's row changes, so its ETag does too.
pub fn issue_token(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    patient_id: i64,
) -> Result<CalendarToken, ApiError> {
    let patient = repo::patients::get(conn, clinic_id, patient_id)?;
    let token = new_token(clinic_id)?;
    repo::patients::update(
        conn,
        clinic_id,
        patient_id,
        patient.version,
        &PatientUpdate {
            calendar_token_hash: Some(Some(sha256_hex(&token))),
            ..PatientUpdate::default()
        },
    )?;
    // Never the token itself: the audit trail is read by more people than
    // the patient's calendar should be.
    audit(
        conn,
        caller,
        Some(clinic_id),
        "patient.calendar_token_issued",
        "patient",
        Some(patient_id),
        None,
        Some(json!({ "replaced": patient.calendar_token_hash.is_some() })),
    )?;
    let url = feed_path(&token);
    Ok(CalendarToken { token, url })
}

/// Revokes a patient's feed token; its URL answers 404 from now on.
/// Revoking when there is none changes nothing but is still recorded.
pub fn revoke_token(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    patient_id: i64,
) -> Result<(), ApiError> {
    let patient = repo::patients::get(conn, clinic_id, patient_id)?;
    let had_token = patient.calendar_token_hash.is_some();
    if had_token {
        repo::patients::update(
            conn,
            clinic_id,
            patient_id,
            patient.version,
            &PatientUpdate {
                calendar_token_hash: Some(None),
                ..PatientUpdate::default()
            },
        )?;
    }
    audit(
        conn,
        caller,
        Some(clinic_id),
        "patient.calendar_token_revoked",
        "patient",
        Some(patient_id),
        None,
        Some(json!({ "had_token": had_token })),
    )
}

fn new_token(clinic_id: i64) -> Result<String, ApiError> {
    let mut secret = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut secret)
        .map_err(|e| ApiError::Internal(format!("no randomness from the OS: {e}")))?;
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    Ok(format!("{clinic_id}.{secret}"))
}

/// The clinic a token names, if it has the shape of one Chairside issued.
/// Anything else is unknown without a database read.
pub(super) fn token_clinic(token: &str) -> Option<i64> {
    let (clinic, secret) = token.split_once('.')?;
    let canonical_id = !clinic.is_empty()
        && !clinic.starts_with('0')
        && clinic.bytes().all(|b| b.is_ascii_digit());
    let well_formed = secret.len() == TOKEN_SECRET_CHARS
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if canonical_id && well_formed {
        clinic.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_clinic_and_are_long_and_random() {
        let a = new_token(7).unwrap();
        let b = new_token(7).unwrap();
        assert_ne!(a, b);
        assert_eq!(token_clinic(&a), Some(7));
        assert_eq!(a.len(), "7.".len() + TOKEN_SECRET_CHARS);
    }

    #[test]
    fn malformed_tokens_name_no_clinic() {
        let secret = "A".repeat(TOKEN_SECRET_CHARS);
        for token in [
            String::new(),
            "7".to_string(),
            secret.clone(),
            format!("x.{secret}"),
            format!("-7.{secret}"),
            format!("+7.{secret}"),
            format!("07.{secret}"),
            format!("0.{secret}"),
            format!("7.{}", &secret[1..]),
            format!("7.{secret}A"),
            format!("7.{}!", &secret[1..]),
            format!("7.{}.", &secret[1..]),
        ] {
            assert_eq!(token_clinic(&token), None, "{token:?}");
        }
        assert_eq!(token_clinic(&format!("7.{secret}")), Some(7));
    }
}
