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
