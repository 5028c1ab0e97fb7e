//! The transactional outbox: events written in the same transaction as the
//! change they announce, delivered later by a worker.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::batch::with_sized_rows;
use crate::columns::{instant, json, now};
use crate::error::StoreError;
use crate::models::{columns, NewOutboxEvent, OutboxEvent};
use crate::schema::outbox::dsl as o;
use crate::secrets::random_hex;

/// Appends an event with a fresh random event id.
pub fn append(conn: &mut DbConnection, event: &NewOutboxEvent) -> Result<OutboxEvent, StoreError> {
    Ok(diesel::insert_into(o::outbox)
        .values((
            o::clinic_id.eq(event.clinic_id),
            o::event_id.eq(format!("evt_{}", random_hex(16)?)),
            o::event_type.eq(&event.event_type),
            o::aggregate_id.eq(event.aggregate_id),
            o::payload.eq(json(&event.payload)),
            o::created_at.eq(now()),
        ))
        .returning(columns::<OutboxEvent>())
        .get_result::<OutboxEvent>(conn)?)
}

/// Appends events in one statement, in order (ids follow the order of the
/// rows within one `INSERT`): a decision's events cost one round trip, not
/// one each.
pub fn append_all(conn: &mut DbConnection, events: &[NewOutboxEvent]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let at = now();
    let mut rows = Vec::with_capacity(events.len());
    for event in events {
        rows.push((
            o::clinic_id.eq(event.clinic_id),
            o::event_id.eq(format!("evt_{}", random_hex(16)?)),
            o::event_type.eq(event.event_type.clone()),
            o::aggregate_id.eq(event.aggregate_id),
            o::payload.eq(json(&event.payload)),
            o::created_at.eq(at),
        ));
    }
    // Prepared once per size; diesel's MultiBackend cannot render a batch
    // insert: run it on the native connection.
    with_sized_rows!(rows => {
        let insert = diesel::insert_into(o::outbox).values(rows);
        match conn {
            DbConnection::Postgresql(c) => insert.execute(c)?,
            DbConnection::Sqlite(c) => insert.execute(c)?,
        }
    });
    Ok(())
}

/// Events with an id above `after_id`, oldest first, at most `limit`; all
/// clinics, or one.
///
/// On PostgreSQL ids are assigned at insert and become visible at commit, so
/// a reader can see id N+1 before N; a delivery worker should claim
/// unpublished rows ([`unpublished`]) rather than trust a cursor alone.
pub fn list_after(
    conn: &mut DbConnection,
    clinic_id: Option<i64>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<OutboxEvent>, StoreError> {
    let mut query = o::outbox.filter(o::id.gt(after_id)).into_boxed();
    if let Some(clinic_id) = clinic_id {
        query = query.filter(o::clinic_id.eq(clinic_id));
    }
    Ok(query
        .order(o::id)
        .limit(limit.clamp(1, 1000))
        .select(columns::<OutboxEvent>())
        .load::<OutboxEvent>(conn)?)
}

/// The oldest events not yet published, at most `limit`.
pub fn unpublished(conn: &mut DbConnection, limit: i64) -> Result<Vec<OutboxEvent>, StoreError> {
    Ok(o::outbox
        .filter(o::published_at.is_null())
        .order(o::id)
        .limit(limit.clamp(1, 1000))
        .select(columns::<OutboxEvent>())
        .load::<OutboxEvent>(conn)?)
}

/// Marks an event published.
pub fn mark_published(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let n = diesel::update(o::outbox.filter(o::clinic_id.eq(clinic_id).and(o::id.eq(id))))
        .set(o::published_at.eq(Some(instant(at))))
        .execute(conn)?;
    if n == 0 {
        return Err(StoreError::not_found("outbox event"));
    }
    Ok(())
}
