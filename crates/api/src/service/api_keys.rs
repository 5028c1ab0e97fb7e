//! API keys managed by an admin: made for a clinic (the token shown once),
//! listed, revoked, rotated with a grace period. A key's token is never
//! stored — only its hash — so a creation cannot be replayed under an
//! `Idempotency-Key` the way other creations are: a retry makes a second
//! key, which the list shows and an admin revokes. Every step is audited
//! by id, role and label; never a token.

use chairside_engine::Role;
use chairside_store::models::{ApiKey, NewApiKey};
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::auth::Caller;
use crate::dto::api_key::{ApiKeyView, CreateApiKey, IssuedApiKey, RotateApiKey};
use crate::error::ApiError;
use crate::problem_kind::ProblemKind;
use crate::service::audit;

/// How long a rotated key keeps working unless told otherwise.
pub const DEFAULT_GRACE_MINUTES: i64 = 60;
/// The longest grace a rotation may give the old key: a week.
pub const MAX_GRACE_MINUTES: i64 = 7 * 24 * 60;

pub fn view(key: &ApiKey) -> ApiKeyView {
    ApiKeyView {
        id: key.id,
        clinic_id: key.clinic_id,
        prefix: key.prefix.clone(),
        role: key.role,
        label: key.label.clone(),
        created_at: key.created_at,
        revoked_at: key.revoked_at,
        expires_at: key.expires_at,
    }
}

/// The clinic's keys, live and ended, by id.
pub fn list(conn: &mut DbConnection, clinic_id: i64) -> Result<Vec<ApiKeyView>, ApiError> {
    repo::clinics::get(conn, clinic_id)?;
    Ok(repo::api_keys::list(conn, Some(clinic_id))?
        .iter()
        .map(view)
        .collect())
}

/// Makes a key for the clinic; answers its token, once.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    body: &CreateApiKey,
) -> Result<IssuedApiKey, ApiError> {
    repo::clinics::get(conn, clinic_id)?;
    let label = body.label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(ApiError::invalid_field("label", "1 to 100 characters"));
    }
    if body.role == Role::System {
        return Err(ApiError::invalid_field(
            "role",
            "the system role is Chairside's own workers; it has no key",
        ));
    }
    let (key, token) = repo::api_keys::create(
        conn,
        &NewApiKey {
            clinic_id: Some(clinic_id),
            role: body.role,
            label: label.to_string(),
        },
    )?;
    let made = view(&key);
    audit(
        conn,
        caller,
        Some(clinic_id),
        "api_key.created",
        "api_key",
        Some(key.id),
        None,
        Some(json!(made)),
    )?;
    Ok(IssuedApiKey {
        key: made,
        token,
        replaces: None,
    })
}

/// Revokes one of the clinic's keys (again: no change).
pub fn revoke(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    key_id: i64,
) -> Result<ApiKeyView, ApiError> {
    let before = view(&of_clinic(conn, clinic_id, key_id)?);
    let after = view(&repo::api_keys::revoke(conn, key_id)?);
    audit(
        conn,
        caller,
        Some(clinic_id),
        "api_key.revoked",
        "api_key",
        Some(key_id),
        Some(json!(before)),
        Some(json!(after)),
    )?;
    Ok(after)
}

/// A new key with the old one's clinic, role and label; the old one keeps
/// working for the grace period, then is refused.
pub fn rotate(
    conn: &mut DbConnection,
    caller: &Caller,
    (clinic_id, key_id): (i64, i64),
    body: &RotateApiKey,
    now: DateTime<Utc>,
) -> Result<IssuedApiKey, ApiError> {
    let grace = body.grace_minutes.unwrap_or(DEFAULT_GRACE_MINUTES);
    if !(0..=MAX_GRACE_MINUTES).contains(&grace) {
        return Err(ApiError::invalid_field(
            "grace_minutes",
            format!("must be between 0 and {MAX_GRACE_MINUTES} (a week)"),
        ));
    }
    let old = of_clinic(conn, clinic_id, key_id)?;
    if !old.is_live(now) {
        return Err(ApiError::Conflict {
            kind: ProblemKind::StatusTransition,
            detail: format!("key {key_id} is revoked or expired: make a new key instead"),
        });
    }
    let (key, token) = repo::api_keys::create(
        conn,
        &NewApiKey {
            clinic_id: old.clinic_id,
            role: old.role,
            label: old.label.clone(),
        },
    )?;
    let expiring = view(&repo::api_keys::expire(
        conn,
        key_id,
        now + Duration::minutes(grace),
    )?);
    let made = view(&key);
    let record = json!({ "new_key_id": key.id, "old_key_expires_at": expiring.expires_at });
    audit(
        conn,
        caller,
        Some(clinic_id),
        "api_key.rotated",
        "api_key",
        Some(key_id),
        Some(json!(view(&old))),
        Some(record),
    )?;
    Ok(IssuedApiKey {
        key: made,
        token,
        replaces: Some(expiring),
    })
}

/// One of the clinic's keys; another clinic's (or an operator's) is not
/// found, as if it did not exist.
fn of_clinic(conn: &mut DbConnection, clinic_id: i64, key_id: i64) -> Result<ApiKey, ApiError> {
    repo::clinics::get(conn, clinic_id)?;
    match repo::api_keys::get(conn, key_id) {
        Ok(key) if key.clinic_id == Some(clinic_id) => Ok(key),
        Ok(_) => Err(ApiError::NotFound(format!("API key {key_id} not found"))),
        Err(e) => Err(e.into()),
    }
}
