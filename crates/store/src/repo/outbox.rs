//! The transactional outbox: events written in the same transaction as the
//! change they announce, delivered later by a worker.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::batch::{with_sized_rows, AlongWith};
use crate::columns::{instant, json, now};
use crate::error::StoreError;
use crate::models::{columns, AuditEntry, NewOutboxEvent, OutboxEvent};
use crate::native::natively;
use crate::repo::audit::{self, AuditRow};
use crate::repo::distinct;
use crate::schema::audit_log::dsl as a;
use crate::schema::outbox::dsl as o;
use crate::schema::outbox_pending::dsl as op;
use crate::secrets::random_hex;

/// A new event id: `evt_`, the time in milliseconds (12 hex digits) and 80
/// random bits. Ids made later sort later, so one clinic's new events land
/// side by side in the `(clinic_id, event_id)` unique index and in
/// webhook deliveries' index. Wholly random ids put each event on a random
/// leaf page: seven pages more per booking to write, to the WAL and, on
/// PostgreSQL, as whole-page images after every checkpoint. The random
/// part keeps ids of one millisecond, or of two replicas, apart.
pub(crate) fn new_event_id(at: DateTime<Utc>) -> Result<String, StoreError> {
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0) & 0xffff_ffff_ffff;
    Ok(format!("evt_{millis:012x}{}", random_hex(10)?))
}

/// Appends an event with a fresh event id.
pub fn append(conn: &mut DbConnection, event: &NewOutboxEvent) -> Result<OutboxEvent, StoreError> {
    Ok(diesel::insert_into(o::outbox)
        .values((
            o::clinic_id.eq(event.clinic_id),
            o::event_id.eq(new_event_id(Utc::now())?),
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
    append_audited(conn, events, &[])
}

/// Appends a decision's events ([`append_all`]) and its audit rows. On
/// PostgreSQL a single audit row (a booking's) rides in the events'
/// statement, as a `WITH` that inserts it: one round trip for both.
pub fn append_audited(
    conn: &mut DbConnection,
    events: &[NewOutboxEvent],
    audit: &[AuditEntry],
) -> Result<(), StoreError> {
    let clock = Utc::now();
    let at = instant(clock);
    let rows = events
        .iter()
        .map(|event| EventRow::of(event, clock))
        .collect::<Result<Vec<_>, _>>()?;
    match (conn, audit) {
        (DbConnection::Postgresql(c), [entry]) if !rows.is_empty() => {
            let audited = diesel::insert_into(a::audit_log).values(AuditRow::of(entry, at));
            with_sized_rows!(rows => {
                AlongWith::new(audited, diesel::insert_into(o::outbox).values(rows)).execute(c)?
            });
        }
        (conn, _) => {
            // Prepared once per size; diesel's MultiBackend cannot render
            // a batch insert: run it on the native connection.
            if !rows.is_empty() {
                with_sized_rows!(rows => {
                    natively!(&mut *conn, c => diesel::insert_into(o::outbox).values(rows).execute(c))?
                });
            }
            for entry in audit {
                audit::append(conn, entry)?;
            }
        }
    }
    Ok(())
}

/// An outbox event as it is inserted, with a fresh event id. diesel's
/// derive otherwise wraps every field, `Option` or not, as "this value or
/// the column's default", and never keeps such an insert prepared: every
/// booking's events were parsed and planned by PostgreSQL anew.
#[derive(Insertable)]
#[diesel(table_name = crate::schema::outbox, treat_none_as_default_value = false)]
struct EventRow {
    clinic_id: i64,
    event_id: String,
    event_type: String,
    aggregate_id: i64,
    payload: String,
    created_at: NaiveDateTime,
}

impl EventRow {
    fn of(event: &NewOutboxEvent, clock: DateTime<Utc>) -> Result<EventRow, StoreError> {
        Ok(EventRow {
            clinic_id: event.clinic_id,
            event_id: new_event_id(clock)?,
            event_type: event.event_type.clone(),
            aggregate_id: event.aggregate_id,
            payload: json(&event.payload),
            created_at: instant(clock),
        })
    }
}

/// Events with an id above `after_id`, oldest first, at most `limit`; all
/// clinics, or one. One clinic's are read along its primary key; all
/// clinics' by scanning the table (tests and tools: nothing indexes the
/// outbox by id alone).
///
/// On PostgreSQL ids are assigned at insert and become visible at commit, so
/// a reader can see id N+1 before N; a delivery worker should claim
/// queued events ([`unpublished`]) rather than trust a cursor alone.
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

/// The oldest events not yet fanned out (still queued in
/// `outbox_pending`), at most `limit`.
pub fn unpublished(conn: &mut DbConnection, limit: i64) -> Result<Vec<OutboxEvent>, StoreError> {
    let queued: Vec<(i64, i64)> = op::outbox_pending
        .order(op::id)
        .limit(limit.clamp(1, 1000))
        .select((op::clinic_id, op::id))
        .load(conn)?;
    with_ids(conn, &queued)
}

/// The events with these `(clinic_id, id)`s, oldest first, read by the
/// outbox's primary key (clinic, id) on PostgreSQL.
pub(crate) fn with_ids(
    conn: &mut DbConnection,
    events: &[(i64, i64)],
) -> Result<Vec<OutboxEvent>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let clinics = distinct(events.iter().map(|e| e.0));
    let ids: Vec<i64> = events.iter().map(|e| e.1).collect();
    Ok(o::outbox
        .filter(o::clinic_id.eq_any(&clinics).and(o::id.eq_any(&ids)))
        .order(o::id)
        .select(columns::<OutboxEvent>())
        .load::<OutboxEvent>(conn)?)
}

/// Takes an event off the fan-out queue, as fanning it out does; one
/// already off it stays off. An event not in the outbox is not found.
pub fn mark_published(conn: &mut DbConnection, clinic_id: i64, id: i64) -> Result<(), StoreError> {
    let known: i64 = o::outbox
        .filter(o::clinic_id.eq(clinic_id).and(o::id.eq(id)))
        .count()
        .get_result(conn)?;
    if known == 0 {
        return Err(StoreError::not_found("outbox event"));
    }
    diesel::delete(op::outbox_pending.filter(op::clinic_id.eq(clinic_id).and(op::id.eq(id))))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn event_ids_made_later_sort_later_and_are_never_alike() {
        let at = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
        let first = new_event_id(at).unwrap();
        let same_millisecond = new_event_id(at).unwrap();
        let later = new_event_id(at + chrono::Duration::milliseconds(1)).unwrap();
        assert_eq!(
            first.len(),
            "evt_".len() + 32,
            "as long as the random ids were"
        );
        assert!(first.starts_with("evt_"));
        assert_ne!(first, same_millisecond);
        assert!(
            first.clone().max(same_millisecond) < later,
            "{first} then {later}"
        );
    }

    /// A booking's seven events with its audit row, as `append_audited`
    /// builds them: diesel prepares the statement once.
    #[test]
    fn a_bookings_events_and_audit_row_are_prepared_once() {
        use crate::models::{Actor, Role};
        use diesel::pg::Pg;
        use diesel::query_builder::QueryFragment;
        let clock = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
        let event = NewOutboxEvent {
            clinic_id: 1,
            event_type: "session.booked".into(),
            aggregate_id: 7,
            payload: serde_json::json!({ "id": 1 }),
        };
        let entry = AuditEntry {
            clinic_id: Some(1),
            actor: Actor::key(2, Role::FrontDesk),
            action: "course.booked".into(),
            entity_type: "course".into(),
            entity_id: Some(7),
            before: None,
            after: Some(serde_json::json!({ "course_id": 7 })),
            request_id: Some("r".into()),
        };
        let rows: [EventRow; 7] = std::array::from_fn(|_| EventRow::of(&event, clock).unwrap());
        let audited =
            diesel::insert_into(a::audit_log).values(AuditRow::of(&entry, instant(clock)));
        let events = diesel::insert_into(o::outbox).values(rows);
        let both = AlongWith::new(audited, events);
        assert!(both.is_safe_to_cache_prepared(&Pg).unwrap());
    }
}
