//! The ids another system knew rows by (an import): importing the same file
//! again finds them and books nothing twice.

use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::error::StoreError;
use crate::schema::sessions::dsl as s;

/// Records the id another system knew a session by (an import).
pub fn set_external_id(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    external_id: &str,
) -> Result<(), StoreError> {
    diesel::update(s::sessions.filter(s::clinic_id.eq(clinic_id).and(s::id.eq(id))))
        .set(s::external_id.eq(Some(external_id)))
        .execute(conn)?;
    Ok(())
}

/// Whether a session another system knew by `external_id` was imported.
pub fn external_id_taken(
    conn: &mut DbConnection,
    clinic_id: i64,
    external_id: &str,
) -> Result<bool, StoreError> {
    Ok(s::sessions
        .filter(
            s::clinic_id
                .eq(clinic_id)
                .and(s::external_id.eq(external_id)),
        )
        .select(s::id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}
