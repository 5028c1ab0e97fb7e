//! Step 1 of delivery: each outbox event becomes one pending delivery per
//! enabled subscription that wants it.

use chrono::SecondsFormat;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::backend::DbConnection;
use crate::columns::{json, now};
use crate::error::StoreError;
use crate::models::{DeliveryStatus, OutboxEvent, WebhookSubscription};
use crate::repo::{distinct, outbox, require_transaction};
use crate::schema::outbox_pending::dsl as op;
use crate::schema::webhook_deliveries::dsl as wd;

use super::enabled_in;

/// The Standard Webhooks body of an outbox event:
/// `{"type", "timestamp" (RFC 3339, the event's time), "data" (its payload)}`.
pub fn standard_body(event: &OutboxEvent) -> Value {
    json!({
        "type": event.event_type,
        "timestamp": event.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "data": event.payload,
    })
}

/// Most outbox rows one [`fan_out`] call claims.
pub const MAX_FAN_OUT: i64 = 1000;

/// Fans out up to `limit` queued outbox events (oldest first): one
/// pending delivery, due at once, per enabled subscription of the event's
/// clinic that wants its type, with [`standard_body`] as the payload; then
/// takes the events off the queue (`outbox_pending`; the event log itself
/// is not written again). Returns how many outbox events it handled (call
/// again while that equals `limit`). Must run inside
/// [`Store::write`](crate::Store::write).
///
/// On PostgreSQL the queue rows are claimed `FOR UPDATE SKIP LOCKED`, so
/// several replicas fan out disjoint batches at once; on SQLite the `BEGIN
/// IMMEDIATE` transaction serialises them. An event whose clinic has no
/// matching subscription is simply taken off the queue.
pub fn fan_out(conn: &mut DbConnection, limit: i64) -> Result<usize, StoreError> {
    fan_out_with(conn, limit, |_, event, _| Ok(standard_body(event)))
}

/// [`fan_out`], with the body of each delivery built by `body` (e.g. to add
/// patient names for a subscription with `include_patient_names`, reading
/// them on the same connection). The body is frozen in the delivery, so
/// every retry sends the same bytes.
pub fn fan_out_with<F>(
    conn: &mut DbConnection,
    limit: i64,
    mut body: F,
) -> Result<usize, StoreError>
where
    F: FnMut(&mut DbConnection, &OutboxEvent, &WebhookSubscription) -> Result<Value, StoreError>,
{
    require_transaction(conn)?;
    let claimed = claim_queued(conn, limit.clamp(1, MAX_FAN_OUT))?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = claimed.iter().map(|e| e.0).collect();
    let subscriptions = enabled_for_events(conn, &claimed)?;
    let events = wanted(conn, &claimed, &subscriptions)?;
    let at = now();
    let mut rows = Vec::new();
    for event in &events {
        for sub in subscriptions
            .iter()
            .filter(|s| s.clinic_id == event.clinic_id && s.wants(&event.event_type))
        {
            let payload = json(&body(conn, event, sub)?);
            rows.push((
                wd::clinic_id.eq(event.clinic_id),
                wd::subscription_id.eq(sub.id),
                wd::outbox_id.eq(event.id),
                wd::event_id.eq(event.event_id.clone()),
                wd::event_type.eq(event.event_type.clone()),
                wd::aggregate_id.eq(event.aggregate_id),
                wd::payload.eq(payload),
                wd::status.eq(DeliveryStatus::Pending.as_str()),
                wd::next_attempt_at.eq(Some(at)),
                wd::created_at.eq(at),
            ));
        }
    }
    // Multi-row inserts, in chunks that stay under SQLite's bound-variable
    // limit. diesel's MultiBackend cannot render a batch insert, so they run
    // on the native connection. DO NOTHING: an original delivery that
    // somehow exists already (an event queued again by hand) is kept,
    // not duplicated, and does not block the rest of the batch.
    for chunk in rows.chunks(500) {
        let insert = diesel::insert_into(wd::webhook_deliveries)
            .values(chunk)
            .on_conflict_do_nothing();
        match conn {
            DbConnection::Postgresql(c) => insert.execute(c)?,
            DbConnection::Sqlite(c) => insert.execute(c)?,
        };
    }
    diesel::delete(op::outbox_pending.filter(op::id.eq_any(&ids))).execute(conn)?;
    Ok(claimed.len())
}

/// The claimed events some subscription wants, read whole: a clinic
/// without subscriptions costs no payload read.
fn wanted(
    conn: &mut DbConnection,
    claimed: &[(i64, i64, String)],
    subscriptions: &[WebhookSubscription],
) -> Result<Vec<OutboxEvent>, StoreError> {
    let wanted: Vec<(i64, i64)> = claimed
        .iter()
        .filter(|(_, clinic_id, event_type)| {
            subscriptions
                .iter()
                .any(|s| s.clinic_id == *clinic_id && s.wants(event_type))
        })
        .map(|(id, clinic_id, _)| (*clinic_id, *id))
        .collect();
    outbox::with_ids(conn, &wanted)
}

/// The oldest queued outbox events — id, clinic and type — locked for this
/// transaction (on PostgreSQL, skipping those another replica is fanning
/// out).
fn claim_queued(
    conn: &mut DbConnection,
    limit: i64,
) -> Result<Vec<(i64, i64, String)>, StoreError> {
    let queued = op::outbox_pending.order(op::id).limit(limit).select((
        op::id,
        op::clinic_id,
        op::event_type,
    ));
    Ok(match conn {
        DbConnection::Postgresql(c) => queued.for_update().skip_locked().load(c)?,
        DbConnection::Sqlite(c) => queued.load(c)?,
    })
}

/// The enabled subscriptions of the clinics the events belong to.
fn enabled_for_events(
    conn: &mut DbConnection,
    events: &[(i64, i64, String)],
) -> Result<Vec<WebhookSubscription>, StoreError> {
    enabled_in(conn, &distinct(events.iter().map(|e| e.1)))
}
