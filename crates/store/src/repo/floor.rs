//! What planning with staff reads besides chairs: the lock that makes two
//! writers take turns on a clinic's floor, and the protocol behind each
//! booked session (what it asks of staff).
//!
//! Chairs are guarded by exclusion constraints: two overlapping sessions on
//! one chair cannot both commit. Staff coverage is a sum over every session
//! in the clinic at each minute, which no row constraint can state. So a
//! writer that plans with staff first takes a transaction-scoped advisory
//! lock on the clinic's floor, then reads the sessions: the next writer
//! waits, then plans on what the first committed. On SQLite writers already
//! take turns (one write transaction at a time), so no lock is needed.

use std::collections::{HashMap, HashSet};

use chairside_engine::Protocol;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::backend::DbConnection;
use crate::error::StoreError;
use crate::schema::courses::dsl as c;
use crate::schema::protocol_versions::dsl as pv;

/// The first key of the floor's advisory lock ("floor" in ASCII); the
/// second is the clinic id.
const FLOOR_LOCK: i64 = 0x66_6c6f_6f72;

/// Makes writers on one clinic's floor take turns until this transaction ends.
pub fn lock(conn: &mut DbConnection, clinic_id: i64) -> Result<(), StoreError> {
    if let DbConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, $2))")
            .bind::<BigInt, _>(FLOOR_LOCK)
            .bind::<BigInt, _>(clinic_id)
            .execute(pg)?;
    }
    Ok(())
}

/// The protocol of each of these courses, by course id.
pub fn protocols_of(
    conn: &mut DbConnection,
    clinic_id: i64,
    courses: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, Protocol>, StoreError> {
    let courses: HashSet<i64> = courses.into_iter().collect();
    if courses.is_empty() {
        return Ok(HashMap::new());
    }
    let versions: Vec<(i64, i64)> = c::courses
        .filter(c::clinic_id.eq(clinic_id).and(c::id.eq_any(courses)))
        .select((c::id, c::protocol_version_id))
        .load(conn)?;
    let wanted: HashSet<i64> = versions.iter().map(|(_, v)| *v).collect();
    let definitions: HashMap<i64, Protocol> = pv::protocol_versions
        .filter(pv::clinic_id.eq(clinic_id).and(pv::id.eq_any(wanted)))
        .select((pv::id, pv::definition))
        .load::<(i64, Protocol)>(conn)?
        .into_iter()
        .collect();
    Ok(versions
        .into_iter()
        .filter_map(|(course, version)| Some((course, definitions.get(&version)?.clone())))
        .collect())
}
