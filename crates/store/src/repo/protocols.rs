//! Protocols and their immutable revisions.

use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{doc, now};
use crate::error::StoreError;
use crate::models::{columns, Protocol, ProtocolVersion};
use crate::repo::{require_transaction, version_miss};
use crate::schema::protocol_versions::dsl as pv;
use crate::schema::protocols::dsl as p;
use crate::turn;

/// Creates a protocol with its first revision (a preset copied into the
/// clinic, or the clinic's own). Must run inside [`Store::write`](crate::Store::write).
pub fn create(
    conn: &mut DbConnection,
    clinic_id: i64,
    code: &str,
    name: &str,
    definition: &chairside_engine::Protocol,
) -> Result<(Protocol, ProtocolVersion), StoreError> {
    require_transaction(conn)?;
    let at = now();
    let protocol = diesel::insert_into(p::protocols)
        .values((
            p::clinic_id.eq(clinic_id),
            p::code.eq(code),
            p::name.eq(name),
            p::latest_revision.eq(1),
            p::created_at.eq(at),
            p::updated_at.eq(at),
        ))
        .returning(columns::<Protocol>())
        .get_result::<Protocol>(conn)?;
    let version = insert_revision(conn, clinic_id, protocol.id, 1, definition)?;
    Ok((protocol, version))
}

fn insert_revision(
    conn: &mut DbConnection,
    clinic_id: i64,
    protocol_id: i64,
    revision: i32,
    definition: &chairside_engine::Protocol,
) -> Result<ProtocolVersion, StoreError> {
    Ok(diesel::insert_into(pv::protocol_versions)
        .values((
            pv::clinic_id.eq(clinic_id),
            pv::protocol_id.eq(protocol_id),
            pv::revision.eq(revision),
            pv::definition.eq(doc(definition)),
            pv::created_at.eq(now()),
        ))
        .returning(columns::<ProtocolVersion>())
        .get_result::<ProtocolVersion>(conn)?)
}

/// Adds the next revision of a protocol still at `version`. Running courses
/// keep the revision they started with. Must run inside
/// [`Store::write`](crate::Store::write).
pub fn add_revision(
    conn: &mut DbConnection,
    clinic_id: i64,
    protocol_id: i64,
    version: i64,
    definition: &chairside_engine::Protocol,
) -> Result<(Protocol, ProtocolVersion), StoreError> {
    require_transaction(conn)?;
    let protocol = diesel::update(
        p::protocols.filter(
            p::clinic_id
                .eq(clinic_id)
                .and(p::id.eq(protocol_id))
                .and(p::version.eq(version)),
        ),
    )
    .set((
        p::latest_revision.eq(p::latest_revision + 1),
        p::version.eq(p::version + 1),
        p::updated_at.eq(now()),
    ))
    .returning(columns::<Protocol>())
    .get_result::<Protocol>(conn)
    .optional()?;
    let Some(protocol) = protocol else {
        let exists = get(conn, clinic_id, protocol_id).is_ok();
        return Err(version_miss(exists, "protocol", protocol_id));
    };
    let revision = insert_revision(
        conn,
        clinic_id,
        protocol_id,
        protocol.latest_revision,
        definition,
    )?;
    Ok((protocol, revision))
}

/// One protocol.
pub fn get(conn: &mut DbConnection, clinic_id: i64, id: i64) -> Result<Protocol, StoreError> {
    p::protocols
        .filter(p::clinic_id.eq(clinic_id).and(p::id.eq(id)))
        .select(columns::<Protocol>())
        .first::<Protocol>(conn)
        .optional()?
        .ok_or(StoreError::not_found("protocol"))
}

/// The clinic's protocols, by id.
pub fn list(conn: &mut DbConnection, clinic_id: i64) -> Result<Vec<Protocol>, StoreError> {
    Ok(p::protocols
        .filter(p::clinic_id.eq(clinic_id))
        .order(p::id)
        .select(columns::<Protocol>())
        .load::<Protocol>(conn)?)
}

/// One protocol revision, by its id (what a course references).
pub fn get_version(
    conn: &mut DbConnection,
    clinic_id: i64,
    protocol_version_id: i64,
) -> Result<ProtocolVersion, StoreError> {
    pv::protocol_versions
        .filter(
            pv::clinic_id
                .eq(clinic_id)
                .and(pv::id.eq(protocol_version_id)),
        )
        .select(columns::<ProtocolVersion>())
        .first::<ProtocolVersion>(conn)
        .optional()?
        .ok_or(StoreError::not_found("protocol_version"))
}

/// Every revision of a protocol, oldest first.
pub fn list_versions(
    conn: &mut DbConnection,
    clinic_id: i64,
    protocol_id: i64,
) -> Result<Vec<ProtocolVersion>, StoreError> {
    Ok(pv::protocol_versions
        .filter(
            pv::clinic_id
                .eq(clinic_id)
                .and(pv::protocol_id.eq(protocol_id)),
        )
        .order(pv::revision)
        .select(columns::<ProtocolVersion>())
        .load::<ProtocolVersion>(conn)?)
}

/// [`latest_version`] for a writer in the clinic's turn that read the
/// clinic's count of changes, `counted`, with nothing written since
/// ([`patients::with_courses`](crate::repo::patients::with_courses)): the
/// revision this server kept with the clinic's calendar when the count
/// says the calendar is current (a new revision moves the count, by
/// trigger), else the one read, then kept.
pub fn latest_version_counted(
    conn: &mut DbConnection,
    clinic_id: i64,
    protocol_id: i64,
    counted: Option<i64>,
) -> Result<ProtocolVersion, StoreError> {
    // Outside the clinic's turn both ask nothing and keep nothing.
    if let Some(kept) = counted.and_then(|now| turn::kept_revision(clinic_id, now, protocol_id)) {
        return Ok(kept);
    }
    let version = latest_version(conn, clinic_id, protocol_id)?;
    if let Some(now) = counted {
        turn::keep_revision(clinic_id, now, &version);
    }
    Ok(version)
}

/// A protocol's latest revision, in one read; not found when the clinic
/// has no such protocol.
pub fn latest_version(
    conn: &mut DbConnection,
    clinic_id: i64,
    protocol_id: i64,
) -> Result<ProtocolVersion, StoreError> {
    pv::protocol_versions
        .filter(
            pv::clinic_id
                .eq(clinic_id)
                .and(pv::protocol_id.eq(protocol_id)),
        )
        .order(pv::revision.desc())
        .select(columns::<ProtocolVersion>())
        .first::<ProtocolVersion>(conn)
        .optional()?
        .ok_or(StoreError::not_found("protocol"))
}
