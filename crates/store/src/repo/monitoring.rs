//! What was recorded at each session (the engine's [`MonitoringRecord`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{doc, now};
use crate::error::StoreError;
use crate::models::{columns, SessionMonitoring};
use crate::repo::version_miss;
use crate::schema::session_monitoring::dsl as sm;
use chairside_engine::monitoring::MonitoringRecord;

/// The session's record, if anything was recorded.
pub fn get(
    conn: &mut DbConnection,
    clinic_id: i64,
    session_id: i64,
) -> Result<Option<SessionMonitoring>, StoreError> {
    Ok(sm::session_monitoring
        .filter(
            sm::clinic_id
                .eq(clinic_id)
                .and(sm::session_id.eq(session_id)),
        )
        .select(columns::<SessionMonitoring>())
        .first::<SessionMonitoring>(conn)
        .optional()?)
}

/// The records of these sessions, by session id (sessions with nothing
/// recorded are left out).
pub fn of_sessions(
    conn: &mut DbConnection,
    clinic_id: i64,
    sessions: &[i64],
) -> Result<HashMap<i64, MonitoringRecord>, StoreError> {
    if sessions.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(sm::session_monitoring
        .filter(
            sm::clinic_id
                .eq(clinic_id)
                .and(sm::session_id.eq_any(sessions)),
        )
        .select(columns::<SessionMonitoring>())
        .load::<SessionMonitoring>(conn)?
        .into_iter()
        .map(|m| (m.session_id, m.record))
        .collect())
}

/// Keeps `record` for the session if the caller read `version` (`None`:
/// nothing was recorded yet; a concurrent first write makes this fail as
/// stale, never lose either).
pub fn save(
    conn: &mut DbConnection,
    clinic_id: i64,
    session_id: i64,
    version: Option<i64>,
    record: &MonitoringRecord,
) -> Result<SessionMonitoring, StoreError> {
    let Some(version) = version else {
        return diesel::insert_into(sm::session_monitoring)
            .values((
                sm::clinic_id.eq(clinic_id),
                sm::session_id.eq(session_id),
                sm::record.eq(doc(record)),
                sm::updated_at.eq(now()),
            ))
            .returning(columns::<SessionMonitoring>())
            .get_result::<SessionMonitoring>(conn)
            .map_err(|e| match StoreError::from(e) {
                // Another writer recorded first: the caller's read is stale.
                e if e.kind() == crate::ErrorKind::Duplicate => {
                    version_miss(true, "session monitoring", session_id)
                }
                e => e,
            });
    };
    let updated = diesel::update(
        sm::session_monitoring.filter(
            sm::clinic_id
                .eq(clinic_id)
                .and(sm::session_id.eq(session_id))
                .and(sm::version.eq(version)),
        ),
    )
    .set((
        sm::record.eq(doc(record)),
        sm::version.eq(sm::version + 1),
        sm::updated_at.eq(now()),
    ))
    .returning(columns::<SessionMonitoring>())
    .get_result::<SessionMonitoring>(conn)
    .optional()?;
    updated.ok_or_else(|| version_miss(true, "session monitoring", session_id))
}

/// Keeps the time the patient left (a completion the engine accepted).
pub fn discharge(
    conn: &mut DbConnection,
    clinic_id: i64,
    session_id: i64,
    at: DateTime<Utc>,
) -> Result<SessionMonitoring, StoreError> {
    let current = get(conn, clinic_id, session_id)?;
    let mut record = current
        .as_ref()
        .map(|m| m.record.clone())
        .unwrap_or_default();
    record.discharged_at = Some(at);
    save(
        conn,
        clinic_id,
        session_id,
        current.map(|m| m.version),
        &record,
    )
}
