//! The append-only audit trail. The database refuses UPDATE and DELETE on
//! it; this module only appends and reads.

use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{json, now};
use crate::error::StoreError;
use crate::models::{columns, AuditEntry, AuditRecord, Page, PageRequest};
use crate::schema::audit_log::dsl as a;

/// Appends one row; returns its id.
pub fn append(conn: &mut DbConnection, entry: &AuditEntry) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(a::audit_log)
        .values((
            a::clinic_id.eq(entry.clinic_id),
            a::key_id.eq(entry.actor.key_id),
            a::role.eq(entry.actor.role.as_str()),
            a::action.eq(&entry.action),
            a::entity_type.eq(&entry.entity_type),
            a::entity_id.eq(entry.entity_id),
            a::before.eq(entry.before.as_ref().map(json)),
            a::after.eq(entry.after.as_ref().map(json)),
            a::request_id.eq(entry.request_id.as_deref()),
            a::at.eq(now()),
        ))
        .returning(a::id)
        .get_result::<i64>(conn)?)
}

/// Which audit rows [`list`] returns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    /// Only this entity type (e.g. `session`)…
    pub entity_type: Option<String>,
    /// …and this id.
    pub entity_id: Option<i64>,
}

/// A clinic's audit rows (`None`: the global ones), by id.
pub fn list(
    conn: &mut DbConnection,
    clinic_id: Option<i64>,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditRecord>, StoreError> {
    let mut query = a::audit_log
        .filter(a::id.gt(page.after_id.unwrap_or(0)))
        .into_boxed();
    query = match clinic_id {
        Some(clinic_id) => query.filter(a::clinic_id.eq(clinic_id)),
        None => query.filter(a::clinic_id.is_null()),
    };
    if let Some(entity_type) = &filter.entity_type {
        query = query.filter(a::entity_type.eq(entity_type.clone()));
    }
    if let Some(entity_id) = filter.entity_id {
        query = query.filter(a::entity_id.eq(entity_id));
    }
    let rows = query
        .order(a::id)
        .limit(page.clamped_limit() + 1)
        .select(columns::<AuditRecord>())
        .load::<AuditRecord>(conn)?;
    Ok(page.page(rows, |r| r.id))
}
