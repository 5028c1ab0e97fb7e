//! Clinics.

use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{doc, now};
use crate::error::StoreError;
use crate::models::{columns, Clinic, ClinicUpdate, NewClinic, Page, PageRequest};
use crate::repo::version_miss;
use crate::schema::clinics::dsl as c;

/// Creates a clinic.
pub fn create(conn: &mut DbConnection, new: &NewClinic) -> Result<Clinic, StoreError> {
    let at = now();
    Ok(diesel::insert_into(c::clinics)
        .values((
            c::name.eq(&new.name),
            c::time_zone.eq(new.time_zone.name()),
            c::opening_hours.eq(doc(&new.opening_hours)),
            c::settings.eq(doc(&new.settings)),
            c::created_at.eq(at),
            c::updated_at.eq(at),
        ))
        .returning(columns::<Clinic>())
        .get_result::<Clinic>(conn)?)
}

/// One clinic.
pub fn get(conn: &mut DbConnection, id: i64) -> Result<Clinic, StoreError> {
    c::clinics
        .filter(c::id.eq(id))
        .select(columns::<Clinic>())
        .first::<Clinic>(conn)
        .optional()?
        .ok_or(StoreError::not_found("clinic"))
}

/// Clinics by id.
pub fn list(conn: &mut DbConnection, page: PageRequest) -> Result<Page<Clinic>, StoreError> {
    let rows = c::clinics
        .filter(c::id.gt(page.after_id.unwrap_or(0)))
        .order(c::id)
        .limit(page.clamped_limit() + 1)
        .select(columns::<Clinic>())
        .load::<Clinic>(conn)?;
    Ok(page.page(rows, |r| r.id))
}

/// Changes a clinic if it is still at `version`.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    version: i64,
    change: &ClinicUpdate,
) -> Result<Clinic, StoreError> {
    let current = get(conn, id)?;
    if current.version != version {
        return Err(StoreError::StaleVersion {
            entity: "clinic",
            id,
        });
    }
    let updated = diesel::update(
        c::clinics
            .filter(c::id.eq(id))
            .filter(c::version.eq(version)),
    )
    .set((
        c::name.eq(change.name.as_ref().unwrap_or(&current.name)),
        c::time_zone.eq(change.time_zone.unwrap_or(current.time_zone).name()),
        c::opening_hours.eq(doc(change
            .opening_hours
            .as_ref()
            .unwrap_or(&current.opening_hours))),
        c::settings.eq(doc(change.settings.as_ref().unwrap_or(&current.settings))),
        c::version.eq(c::version + 1),
        c::updated_at.eq(now()),
    ))
    .returning(columns::<Clinic>())
    .get_result::<Clinic>(conn)
    .optional()?;
    updated.ok_or_else(|| version_miss(true, "clinic", id))
}
