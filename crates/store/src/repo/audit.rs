//! The append-only audit trail. The database refuses UPDATE and DELETE on
//! it; this module only appends and reads.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{json, now};
use crate::error::StoreError;
use crate::models::{columns, AuditEntry, AuditRecord, Page, PageRequest};
use crate::native::inserted_ids;
use crate::schema::audit_log::dsl as a;

/// Appends one row; returns its id.
pub fn append(conn: &mut DbConnection, entry: &AuditEntry) -> Result<i64, StoreError> {
    let ids = inserted_ids!(
        &mut *conn,
        diesel::insert_into(a::audit_log).values(AuditRow::of(entry, now())),
        a::id
    );
    Ok(ids[0])
}

/// An audit row as it is inserted. A `None` is bound as NULL, not left to
/// the column's default: one statement for every row, which diesel
/// prepares once (with its derive's default, every field may render
/// `DEFAULT`, and diesel then prepares the insert on every run).
#[derive(Insertable)]
#[diesel(table_name = crate::schema::audit_log, treat_none_as_default_value = false)]
pub(crate) struct AuditRow {
    clinic_id: Option<i64>,
    key_id: Option<i64>,
    role: &'static str,
    action: String,
    entity_type: String,
    entity_id: Option<i64>,
    before: Option<String>,
    after: Option<String>,
    request_id: Option<String>,
    at: NaiveDateTime,
}

impl AuditRow {
    /// `entry`, stamped `at`.
    pub(crate) fn of(entry: &AuditEntry, at: NaiveDateTime) -> AuditRow {
        AuditRow {
            clinic_id: entry.clinic_id,
            key_id: entry.actor.key_id,
            role: entry.actor.role.as_str(),
            action: entry.action.clone(),
            entity_type: entry.entity_type.clone(),
            entity_id: entry.entity_id,
            before: entry.before.as_ref().map(json),
            after: entry.after.as_ref().map(json),
            request_id: entry.request_id.clone(),
            at,
        }
    }
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

#[cfg(test)]
mod tests {
    use diesel::query_builder::QueryFragment;
    use diesel::sqlite::Sqlite;

    use super::{a, AuditRow};
    use crate::models::{Actor, AuditEntry};

    /// An audit row with `None`s is the same statement as one without:
    /// diesel prepares it once.
    #[test]
    fn an_audit_row_is_one_statement_whatever_it_holds() {
        let empty = AuditEntry {
            clinic_id: None,
            actor: Actor::system(),
            action: "x".into(),
            entity_type: "y".into(),
            entity_id: None,
            before: None,
            after: None,
            request_id: None,
        };
        let insert = diesel::insert_into(a::audit_log)
            .values(AuditRow::of(&empty, chrono::NaiveDateTime::default()))
            .returning(a::id);
        assert!(insert.is_safe_to_cache_prepared(&Sqlite).unwrap());
    }
}
