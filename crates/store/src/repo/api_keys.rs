//! API keys: only a hash is stored; the token is shown once, at creation.
//!
//! A token reads `chs_<prefix>_<secret>`: the prefix (12 hex digits) finds
//! the row, the SHA-256 of the whole token is compared in constant time.
//! The secret carries 256 random bits, so a fast hash is enough.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{instant, now};
use crate::error::StoreError;
use crate::models::{columns, ApiKey, NewApiKey, Role};
use crate::schema::api_keys::dsl as k;
use crate::secrets::{constant_time_eq, random_hex, sha256_hex};

/// Creates a key; returns it with its clear token, which is never stored
/// and cannot be shown again.
pub fn create(conn: &mut DbConnection, new: &NewApiKey) -> Result<(ApiKey, String), StoreError> {
    if new.role == Role::System {
        return Err(StoreError::Invalid("the system role has no API key".into()));
    }
    let prefix = random_hex(6)?;
    let token = format!("chs_{prefix}_{}", random_hex(32)?);
    let key = diesel::insert_into(k::api_keys)
        .values((
            k::clinic_id.eq(new.clinic_id),
            k::prefix.eq(&prefix),
            k::secret_hash.eq(sha256_hex(&token)),
            k::role.eq(new.role.as_str()),
            k::label.eq(&new.label),
            k::created_at.eq(now()),
        ))
        .returning(columns::<ApiKey>())
        .get_result::<ApiKey>(conn)?;
    Ok((key, token))
}

/// The key this token belongs to if it is live at `now` (not revoked, not
/// past a rotation's grace period).
pub fn verify(
    conn: &mut DbConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<ApiKey>, StoreError> {
    let Some(prefix) = token
        .strip_prefix("chs_")
        .and_then(|rest| rest.split_once('_'))
        .map(|(prefix, _)| prefix)
    else {
        return Ok(None);
    };
    let key = k::api_keys
        .filter(k::prefix.eq(prefix).and(k::revoked_at.is_null()))
        .select(columns::<ApiKey>())
        .first::<ApiKey>(conn)
        .optional()?;
    let presented = sha256_hex(token);
    Ok(key.filter(|key| {
        constant_time_eq(key.secret_hash.as_bytes(), presented.as_bytes()) && key.is_live(now)
    }))
}

/// One key.
pub fn get(conn: &mut DbConnection, id: i64) -> Result<ApiKey, StoreError> {
    k::api_keys
        .filter(k::id.eq(id))
        .select(columns::<ApiKey>())
        .first::<ApiKey>(conn)
        .optional()?
        .ok_or(StoreError::not_found("api_key"))
}

/// Keys of one clinic, or (`None`) the global admin keys; by id.
pub fn list(conn: &mut DbConnection, clinic_id: Option<i64>) -> Result<Vec<ApiKey>, StoreError> {
    let query = k::api_keys.into_boxed();
    let query = match clinic_id {
        Some(clinic_id) => query.filter(k::clinic_id.eq(clinic_id)),
        None => query.filter(k::clinic_id.is_null()),
    };
    Ok(query
        .order(k::id)
        .select(columns::<ApiKey>())
        .load::<ApiKey>(conn)?)
}

/// Ends a key at `at` (a rotation's grace): never later than an end it
/// already has.
pub fn expire(conn: &mut DbConnection, id: i64, at: DateTime<Utc>) -> Result<ApiKey, StoreError> {
    let stored = instant(at);
    diesel::update(
        k::api_keys.filter(
            k::id
                .eq(id)
                .and(k::expires_at.is_null().or(k::expires_at.gt(stored))),
        ),
    )
    .set(k::expires_at.eq(Some(stored)))
    .execute(conn)?;
    get(conn, id)
}

/// Revokes a key (idempotent: revoking twice keeps the first time).
pub fn revoke(conn: &mut DbConnection, id: i64) -> Result<ApiKey, StoreError> {
    diesel::update(k::api_keys.filter(k::id.eq(id).and(k::revoked_at.is_null())))
        .set(k::revoked_at.eq(Some(now())))
        .execute(conn)?;
    get(conn, id)
}
