//! Responses remembered for `Idempotency-Key` retries.
//!
//! Requests not scoped to a clinic are kept under clinic id 0, so the unique
//! key `(clinic_id, key_id, idempotency_key)` never holds a NULL.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{instant, now};
use crate::error::StoreError;
use crate::models::{columns, IdempotencyRecord, NewIdempotencyRecord};
use crate::native::natively;
use crate::schema::idempotency_keys::dsl as i;

/// The clinic id under which unscoped requests are kept.
pub const GLOBAL_SCOPE: i64 = 0;

/// The remembered response, if any.
pub fn get(
    conn: &mut DbConnection,
    clinic_id: Option<i64>,
    key_id: i64,
    idempotency_key: &str,
) -> Result<Option<IdempotencyRecord>, StoreError> {
    Ok(i::idempotency_keys
        .filter(
            i::clinic_id
                .eq(clinic_id.unwrap_or(GLOBAL_SCOPE))
                .and(i::key_id.eq(key_id))
                .and(i::idempotency_key.eq(idempotency_key)),
        )
        .select(columns::<IdempotencyRecord>())
        .first::<IdempotencyRecord>(conn)
        .optional()?)
}

/// Remembers a response; [`ErrorKind::Duplicate`](crate::ErrorKind::Duplicate)
/// if this key already has one (a concurrent retry won). Nothing is read
/// back: the response is the caller's, and on SQLite a `RETURNING` costs a
/// temporary table.
pub fn put(conn: &mut DbConnection, record: &NewIdempotencyRecord) -> Result<(), StoreError> {
    let row = (
        i::clinic_id.eq(record.clinic_id.unwrap_or(GLOBAL_SCOPE)),
        i::key_id.eq(record.key_id),
        i::idempotency_key.eq(&record.idempotency_key),
        i::request_fingerprint.eq(&record.request_fingerprint),
        i::response_status.eq(record.response_status),
        i::response_body.eq(&record.response_body),
        i::created_at.eq(now()),
    );
    natively!(conn, c => diesel::insert_into(i::idempotency_keys).values(row).execute(c))?;
    Ok(())
}

/// Forgets responses stored before `before`, in the order they were
/// stored; returns how many. The sweep stops at the first response kept:
/// one stored out of clock order (another server's clock behind) waits
/// for the responses stored before it. No index on the responses' age is
/// kept for this: every keyed request would have to write it.
pub fn purge_before(conn: &mut DbConnection, before: DateTime<Utc>) -> Result<usize, StoreError> {
    let before = instant(before);
    let first_kept = i::idempotency_keys
        .filter(i::created_at.ge(before))
        .order(i::id)
        .select(i::id)
        .first::<i64>(conn)
        .optional()?;
    let expired = i::idempotency_keys.filter(i::created_at.lt(before));
    Ok(match first_kept {
        Some(id) => diesel::delete(expired.filter(i::id.lt(id))).execute(conn)?,
        None => diesel::delete(expired).execute(conn)?,
    })
}

/// Forgets one key's response if it was stored before `before`; returns
/// whether it did.
pub fn forget_expired(
    conn: &mut DbConnection,
    clinic_id: Option<i64>,
    key_id: i64,
    idempotency_key: &str,
    before: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let forgotten = diesel::delete(
        i::idempotency_keys.filter(
            i::clinic_id
                .eq(clinic_id.unwrap_or(GLOBAL_SCOPE))
                .and(i::key_id.eq(key_id))
                .and(i::idempotency_key.eq(idempotency_key))
                .and(i::created_at.lt(instant(before))),
        ),
    )
    .execute(conn)?;
    Ok(forgotten > 0)
}
