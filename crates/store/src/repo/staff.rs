//! Staff members.

use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{doc, now};
use crate::error::StoreError;
use crate::models::{columns, NewStaffMember, StaffMember};
use crate::repo::version_miss;
use crate::schema::staff_members::dsl as st;

/// Adds a staff member to a clinic.
pub fn add(
    conn: &mut DbConnection,
    clinic_id: i64,
    new: &NewStaffMember,
) -> Result<StaffMember, StoreError> {
    let at = now();
    Ok(diesel::insert_into(st::staff_members)
        .values((
            st::clinic_id.eq(clinic_id),
            st::label.eq(&new.label),
            st::roles.eq(doc(&new.roles)),
            st::shifts.eq(doc(&new.shifts)),
            st::exceptions.eq(doc(&new.exceptions)),
            st::active.eq(new.active),
            st::created_at.eq(at),
            st::updated_at.eq(at),
        ))
        .returning(columns::<StaffMember>())
        .get_result::<StaffMember>(conn)?)
}

/// One staff member.
pub fn get(conn: &mut DbConnection, clinic_id: i64, id: i64) -> Result<StaffMember, StoreError> {
    st::staff_members
        .filter(st::clinic_id.eq(clinic_id).and(st::id.eq(id)))
        .select(columns::<StaffMember>())
        .first::<StaffMember>(conn)
        .optional()?
        .ok_or(StoreError::not_found("staff member"))
}

/// The clinic's staff by id, active and inactive.
pub fn list(conn: &mut DbConnection, clinic_id: i64) -> Result<Vec<StaffMember>, StoreError> {
    Ok(st::staff_members
        .filter(st::clinic_id.eq(clinic_id))
        .order(st::id)
        .select(columns::<StaffMember>())
        .load::<StaffMember>(conn)?)
}

/// The members who may be on the floor.
pub fn active(conn: &mut DbConnection, clinic_id: i64) -> Result<Vec<StaffMember>, StoreError> {
    Ok(st::staff_members
        .filter(st::clinic_id.eq(clinic_id).and(st::active.eq(true)))
        .order(st::id)
        .select(columns::<StaffMember>())
        .load::<StaffMember>(conn)?)
}

/// Replaces a member's label, roles, shifts, exceptions and activity, if
/// the caller read `version`.
pub fn update(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    version: i64,
    change: &NewStaffMember,
) -> Result<StaffMember, StoreError> {
    let updated = diesel::update(
        st::staff_members.filter(
            st::clinic_id
                .eq(clinic_id)
                .and(st::id.eq(id))
                .and(st::version.eq(version)),
        ),
    )
    .set((
        st::label.eq(&change.label),
        st::roles.eq(doc(&change.roles)),
        st::shifts.eq(doc(&change.shifts)),
        st::exceptions.eq(doc(&change.exceptions)),
        st::active.eq(change.active),
        st::version.eq(st::version + 1),
        st::updated_at.eq(now()),
    ))
    .returning(columns::<StaffMember>())
    .get_result::<StaffMember>(conn)
    .optional()?;
    match updated {
        Some(member) => Ok(member),
        None => {
            let exists = get(conn, clinic_id, id).is_ok();
            Err(version_miss(exists, "staff member", id))
        }
    }
}
