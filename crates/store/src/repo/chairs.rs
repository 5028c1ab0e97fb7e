//! Chairs.

use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{doc, now};
use crate::error::StoreError;
use crate::models::{columns, Chair, NewChair};
use crate::repo::version_miss;
use crate::schema::chairs::dsl as ch;

/// Adds a chair to a clinic.
pub fn add(conn: &mut DbConnection, clinic_id: i64, new: &NewChair) -> Result<Chair, StoreError> {
    let at = now();
    Ok(diesel::insert_into(ch::chairs)
        .values((
            ch::clinic_id.eq(clinic_id),
            ch::label.eq(&new.label),
            ch::modalities.eq(doc(&new.modalities)),
            ch::position.eq(new.position),
            ch::active.eq(true),
            ch::created_at.eq(at),
            ch::updated_at.eq(at),
        ))
        .returning(columns::<Chair>())
        .get_result::<Chair>(conn)?)
}

/// One chair.
pub fn get(conn: &mut DbConnection, clinic_id: i64, id: i64) -> Result<Chair, StoreError> {
    ch::chairs
        .filter(ch::clinic_id.eq(clinic_id).and(ch::id.eq(id)))
        .select(columns::<Chair>())
        .first::<Chair>(conn)
        .optional()?
        .ok_or(StoreError::not_found("chair"))
}

/// The clinic's chairs in their stable order (position, then id), active
/// and inactive.
pub fn list(conn: &mut DbConnection, clinic_id: i64) -> Result<Vec<Chair>, StoreError> {
    Ok(ch::chairs
        .filter(ch::clinic_id.eq(clinic_id))
        .order((ch::position, ch::id))
        .select(columns::<Chair>())
        .load::<Chair>(conn)?)
}

/// Marks a chair active or inactive (inactive chairs keep their sessions but
/// take no new ones; the engine skips them).
pub fn set_active(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    version: i64,
    active: bool,
) -> Result<Chair, StoreError> {
    let updated = diesel::update(
        ch::chairs.filter(
            ch::clinic_id
                .eq(clinic_id)
                .and(ch::id.eq(id))
                .and(ch::version.eq(version)),
        ),
    )
    .set((
        ch::active.eq(active),
        ch::version.eq(ch::version + 1),
        ch::updated_at.eq(now()),
    ))
    .returning(columns::<Chair>())
    .get_result::<Chair>(conn)
    .optional()?;
    match updated {
        Some(chair) => Ok(chair),
        None => {
            let exists = get(conn, clinic_id, id).is_ok();
            Err(version_miss(exists, "chair", id))
        }
    }
}

/// Locks the chairs a writer is about to place sessions on, until its
/// transaction ends, in id order. Two transactions inserting overlapping
/// sessions on one chair would otherwise each find the other's row while
/// checking the exclusion constraint and wait for each other — PostgreSQL
/// breaks that only after its deadlock timeout (1 s), with pools full
/// meanwhile. Locked first, the second writer waits for the first to
/// commit and is then refused at once (and re-plans); writers on other
/// chairs stay parallel. SQLite writers already take turns.
pub fn lock_to_write(conn: &mut DbConnection, chair_ids: &[i64]) -> Result<(), StoreError> {
    let DbConnection::Postgresql(pg) = conn else {
        return Ok(());
    };
    let mut ids = chair_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    // One statement for all the chairs, taken in id order: PostgreSQL
    // evaluates a volatile function of the select list after the sort.
    diesel::sql_query(
        "SELECT pg_advisory_xact_lock(hashtextextended('chairside.chair', id)) \
         FROM unnest($1) WITH ORDINALITY AS chair(id, n) ORDER BY n",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(ids)
    .execute(pg)?;
    Ok(())
}
