//! Webhook subscriptions and durable, at-least-once delivery.
//!
//! The flow, each step one short transaction ([`Store::write`](crate::Store::write)):
//!
//! 1. [`fan_out`] claims unpublished outbox rows, inserts one [`Delivery`]
//!    per matching enabled subscription and marks the rows published — in
//!    one transaction, so an event is either fanned out completely or not
//!    at all, and never twice (the unique key on
//!    `(clinic_id, subscription_id, event_id)` for originals).
//! 2. [`claim_due`] leases due deliveries (`locked_until = now + lease`) and
//!    returns them; the lease, committed, keeps other workers off while the
//!    HTTP request runs outside any transaction.
//! 3. [`record_attempt`] appends the attempt to the append-only log and
//!    moves the delivery on: delivered, retry at an instant, or abandoned.
//!
//! Several workers (replicas) may run all three at once. On PostgreSQL the
//! claims use `FOR UPDATE SKIP LOCKED`; on SQLite every write transaction is
//! `BEGIN IMMEDIATE`, which serialises them. A worker that dies mid-request
//! loses nothing: its lease expires and the delivery is claimed again.
//!
//! Events of one course reach a subscription in outbox order: a delivery is
//! claimable only when no pending delivery of the same course and
//! subscription comes before it (or holds a lease), and no older event of
//! the course is still waiting to be fanned out.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};
use serde_json::{json, Value};

use crate::backend::DbConnection;
use crate::columns::{instant, json, now};
use crate::error::StoreError;
use crate::models::{
    columns, Attempt, AttemptOutcome, Delivery, DeliveryStatus, NewWebhookSubscription, Next,
    OutboxEvent, Page, PageRequest, WebhookSubscription,
};
use crate::repo::{require_transaction, version_miss};
use crate::schema::outbox::dsl as o;
use crate::schema::webhook_attempts::dsl as wa;
use crate::schema::webhook_deliveries::dsl as wd;
use crate::schema::webhook_subscriptions::dsl as ws;

// ---------------------------------------------------------------------------
// Subscriptions

fn event_types_json(event_types: &[String]) -> Result<String, StoreError> {
    if event_types.is_empty() || event_types.iter().any(|t| t.trim().is_empty()) {
        return Err(StoreError::Invalid(
            "event_types must name at least one event type (or \"*\")".into(),
        ));
    }
    Ok(serde_json::to_string(event_types)?)
}

/// Adds an enabled subscription to a clinic. The secret is stored as given
/// (the worker needs it in clear to sign); the database refuses one that
/// does not start with `whsec_`, and a URL that is not `http(s)://`.
pub fn create(
    conn: &mut DbConnection,
    clinic_id: i64,
    new: &NewWebhookSubscription,
) -> Result<WebhookSubscription, StoreError> {
    let at = now();
    Ok(diesel::insert_into(ws::webhook_subscriptions)
        .values((
            ws::clinic_id.eq(clinic_id),
            ws::url.eq(&new.url),
            ws::event_types.eq(event_types_json(&new.event_types)?),
            ws::secret.eq(&new.secret),
            ws::include_patient_names.eq(new.include_patient_names),
            ws::enabled.eq(true),
            ws::created_at.eq(at),
            ws::updated_at.eq(at),
        ))
        .returning(columns::<WebhookSubscription>())
        .get_result::<WebhookSubscription>(conn)?)
}

/// One subscription.
pub fn get(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
) -> Result<WebhookSubscription, StoreError> {
    ws::webhook_subscriptions
        .filter(ws::clinic_id.eq(clinic_id).and(ws::id.eq(id)))
        .select(columns::<WebhookSubscription>())
        .first::<WebhookSubscription>(conn)
        .optional()?
        .ok_or(StoreError::not_found("webhook subscription"))
}

/// A clinic's subscriptions, enabled or not, by id.
pub fn list(
    conn: &mut DbConnection,
    clinic_id: i64,
) -> Result<Vec<WebhookSubscription>, StoreError> {
    Ok(ws::webhook_subscriptions
        .filter(ws::clinic_id.eq(clinic_id))
        .order(ws::id)
        .select(columns::<WebhookSubscription>())
        .load::<WebhookSubscription>(conn)?)
}

/// The clinic's enabled subscriptions that want `event_type`, by id.
pub fn enabled_for(
    conn: &mut DbConnection,
    clinic_id: i64,
    event_type: &str,
) -> Result<Vec<WebhookSubscription>, StoreError> {
    let mut subs = enabled_in(conn, &[clinic_id])?;
    subs.retain(|s| s.wants(event_type));
    Ok(subs)
}

fn enabled_in(
    conn: &mut DbConnection,
    clinic_ids: &[i64],
) -> Result<Vec<WebhookSubscription>, StoreError> {
    Ok(ws::webhook_subscriptions
        .filter(ws::clinic_id.eq_any(clinic_ids).and(ws::enabled.eq(true)))
        .order((ws::clinic_id, ws::id))
        .select(columns::<WebhookSubscription>())
        .load::<WebhookSubscription>(conn)?)
}

/// Enables or disables a subscription if it is still at `version`.
/// Disabling keeps `reason` (e.g. `410 Gone`); enabling clears it. A
/// disabled subscription gets no new deliveries, and its pending ones are
/// not claimed until it is enabled again.
pub fn set_enabled(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    version: i64,
    enabled: bool,
    reason: Option<&str>,
) -> Result<WebhookSubscription, StoreError> {
    let reason = if enabled { None } else { reason };
    let updated = diesel::update(
        ws::webhook_subscriptions.filter(
            ws::clinic_id
                .eq(clinic_id)
                .and(ws::id.eq(id))
                .and(ws::version.eq(version)),
        ),
    )
    .set((
        ws::enabled.eq(enabled),
        ws::disabled_reason.eq(reason),
        ws::version.eq(ws::version + 1),
        ws::updated_at.eq(now()),
    ))
    .returning(columns::<WebhookSubscription>())
    .get_result::<WebhookSubscription>(conn)
    .optional()?;
    versioned(conn, clinic_id, id, updated)
}

/// Replaces the signing secret if the subscription is still at `version`.
/// The old secret becomes `previous_secret` and keeps signing (a second
/// `v1,` signature) until `previous_valid_until`; a secret rotated out
/// earlier is forgotten.
pub fn rotate_secret(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    version: i64,
    new_secret: &str,
    previous_valid_until: DateTime<Utc>,
) -> Result<WebhookSubscription, StoreError> {
    // In one UPDATE every right-hand side reads the row as it was, so
    // previous_secret receives the old secret on both backends.
    let updated = diesel::update(
        ws::webhook_subscriptions.filter(
            ws::clinic_id
                .eq(clinic_id)
                .and(ws::id.eq(id))
                .and(ws::version.eq(version)),
        ),
    )
    .set((
        ws::previous_secret.eq(ws::secret.nullable()),
        ws::previous_secret_until.eq(Some(instant(previous_valid_until))),
        ws::secret.eq(new_secret),
        ws::version.eq(ws::version + 1),
        ws::updated_at.eq(now()),
    ))
    .returning(columns::<WebhookSubscription>())
    .get_result::<WebhookSubscription>(conn)
    .optional()?;
    versioned(conn, clinic_id, id, updated)
}

fn versioned(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    updated: Option<WebhookSubscription>,
) -> Result<WebhookSubscription, StoreError> {
    match updated {
        Some(sub) => Ok(sub),
        None => {
            let exists = get(conn, clinic_id, id).is_ok();
            Err(version_miss(exists, "webhook subscription", id))
        }
    }
}

// ---------------------------------------------------------------------------
// Fan-out

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

/// Fans out up to `limit` unpublished outbox events (oldest first): one
/// pending delivery, due at once, per enabled subscription of the event's
/// clinic that wants its type, with [`standard_body`] as the payload; then
/// marks the events published. Returns how many outbox events it handled
/// (call again while that equals `limit`). Must run inside
/// [`Store::write`](crate::Store::write).
///
/// On PostgreSQL the rows are claimed `FOR UPDATE SKIP LOCKED`, so several
/// replicas fan out disjoint batches at once; on SQLite the `BEGIN
/// IMMEDIATE` transaction serialises them. An event whose clinic has no
/// matching subscription is simply marked published.
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
    let limit = limit.clamp(1, MAX_FAN_OUT);
    let unpublished = o::outbox
        .filter(o::published_at.is_null())
        .order(o::id)
        .limit(limit)
        .select(o::id);
    let ids: Vec<i64> = match conn {
        DbConnection::Postgresql(c) => unpublished.for_update().skip_locked().load(c)?,
        DbConnection::Sqlite(c) => unpublished.load(c)?,
    };
    if ids.is_empty() {
        return Ok(0);
    }
    let events = o::outbox
        .filter(o::id.eq_any(&ids))
        .order(o::id)
        .select(columns::<OutboxEvent>())
        .load::<OutboxEvent>(conn)?;
    let clinic_ids: Vec<i64> = events
        .iter()
        .map(|e| e.clinic_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let subscriptions = enabled_in(conn, &clinic_ids)?;
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
    // somehow exists already (an outbox row un-published by hand) is kept,
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
    diesel::update(o::outbox.filter(o::id.eq_any(&ids).and(o::published_at.is_null())))
        .set(o::published_at.eq(Some(at)))
        .execute(conn)?;
    Ok(events.len())
}

// ---------------------------------------------------------------------------
// Claiming and recording

#[derive(QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = BigInt)]
    clinic_id: i64,
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Most deliveries one [`claim_due`] call leases.
pub const MAX_CLAIM: i64 = 500;

/// The due deliveries a worker may send now, written once for both
/// backends (`$n` parameters; `?n` on SQLite). `$1` is now.
///
/// A delivery is due when it is pending, its next attempt has come, its
/// subscription is enabled and no lease holds it. It is claimable when,
/// moreover, nothing comes before it in its course's queue for that
/// subscription: no other pending delivery earlier in outbox order (replays
/// take their event's place), none in flight (a live lease), and no older
/// event of the course still waiting to be fanned out (another replica may
/// be fanning it out right now).
const DUE: &str = "\
SELECT d.clinic_id, d.id FROM webhook_deliveries d
JOIN webhook_subscriptions s ON s.clinic_id = d.clinic_id AND s.id = d.subscription_id
WHERE d.status = 'pending' AND d.next_attempt_at <= $1
  AND (d.locked_until IS NULL OR d.locked_until < $1)
  AND s.enabled
  AND NOT EXISTS (
    SELECT 1 FROM webhook_deliveries e
    WHERE e.clinic_id = d.clinic_id AND e.subscription_id = d.subscription_id
      AND e.aggregate_id = d.aggregate_id AND e.status = 'pending' AND e.id <> d.id
      AND ((e.outbox_id, e.id) < (d.outbox_id, d.id) OR e.locked_until >= $1))
  AND NOT EXISTS (
    SELECT 1 FROM outbox u
    WHERE u.clinic_id = d.clinic_id AND u.aggregate_id = d.aggregate_id
      AND u.published_at IS NULL AND u.id < d.outbox_id)
ORDER BY d.next_attempt_at, d.id
LIMIT $3";

/// Leases up to `limit` claimable deliveries (see the module docs) until
/// `now + lease` and returns them, by id. At most one delivery per course
/// and subscription is ever returned or in flight, so the caller may send
/// them all concurrently.
///
/// Run it in [`Store::write`](crate::Store::write) and let that commit
/// before sending: the committed lease is what keeps other workers away
/// while the request runs. On PostgreSQL the rows are claimed `FOR UPDATE
/// SKIP LOCKED`, so two workers never lease the same delivery; on SQLite the
/// `BEGIN IMMEDIATE` transaction serialises them. Choose a lease longer than
/// the request timeout: a delivery whose lease expires is claimed again
/// (at-least-once). `lease` must be at least one second (instants are
/// stored to the second).
pub fn claim_due(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    limit: i64,
    lease: Duration,
) -> Result<Vec<Delivery>, StoreError> {
    if lease < Duration::seconds(1) {
        return Err(StoreError::Invalid(
            "a delivery lease lasts at least one second".into(),
        ));
    }
    let limit = limit.clamp(1, MAX_CLAIM);
    let now_at = instant(now);
    let until = instant(now + lease);
    let claimed: Vec<ClaimedId> = match conn {
        DbConnection::Postgresql(c) => {
            let sql = format!(
                "WITH due AS ({DUE} FOR UPDATE OF d SKIP LOCKED) \
                 UPDATE webhook_deliveries w SET locked_until = $2 FROM due \
                 WHERE w.clinic_id = due.clinic_id AND w.id = due.id \
                 RETURNING w.clinic_id, w.id"
            );
            diesel::sql_query(sql)
                .bind::<Timestamp, _>(now_at)
                .bind::<Timestamp, _>(until)
                .bind::<BigInt, _>(limit)
                .load(c)?
        }
        DbConnection::Sqlite(c) => {
            let sql = format!(
                "UPDATE webhook_deliveries SET locked_until = $2 \
                 WHERE (clinic_id, id) IN ({DUE}) RETURNING clinic_id, id"
            )
            .replace('$', "?");
            diesel::sql_query(sql)
                .bind::<Timestamp, _>(now_at)
                .bind::<Timestamp, _>(until)
                .bind::<BigInt, _>(limit)
                .load(c)?
        }
    };
    if claimed.is_empty() {
        return Ok(Vec::new());
    }
    let clinic_ids: BTreeSet<i64> = claimed.iter().map(|c| c.clinic_id).collect();
    let ids: Vec<i64> = claimed.iter().map(|c| c.id).collect();
    Ok(wd::webhook_deliveries
        .filter(
            wd::clinic_id
                .eq_any(clinic_ids.into_iter().collect::<Vec<_>>())
                .and(wd::id.eq_any(&ids)),
        )
        .order(wd::id)
        .select(columns::<Delivery>())
        .load::<Delivery>(conn)?)
}

/// Records one attempt of `delivery` (appended to its log) and moves the
/// delivery on: `attempts + 1`, the last status code and error, the lease
/// released, and per `next` delivered, pending again at the given instant,
/// or abandoned. Returns the updated delivery. Must
/// run inside [`Store::write`](crate::Store::write).
///
/// If the delivery was meanwhile finished by another worker (this worker's
/// lease had expired), the attempt is still logged and counted but the
/// other worker's outcome stands.
pub fn record_attempt(
    conn: &mut DbConnection,
    delivery: &Delivery,
    outcome: &AttemptOutcome,
    next: Next,
) -> Result<Delivery, StoreError> {
    require_transaction(conn)?;
    let at = now();
    let (status, next_attempt_at) = match next {
        Next::Delivered => (DeliveryStatus::Delivered, None),
        Next::RetryAt(when) => (DeliveryStatus::Pending, Some(instant(when))),
        Next::Abandoned => (DeliveryStatus::Abandoned, None),
    };
    let this = wd::clinic_id
        .eq(delivery.clinic_id)
        .and(wd::id.eq(delivery.id));
    let moved = diesel::update(
        wd::webhook_deliveries.filter(this.and(wd::status.eq(DeliveryStatus::Pending.as_str()))),
    )
    .set((
        wd::status.eq(status.as_str()),
        wd::attempts.eq(wd::attempts + 1),
        wd::next_attempt_at.eq(next_attempt_at),
        wd::locked_until.eq(None::<chrono::NaiveDateTime>),
        wd::last_status_code.eq(outcome.status_code),
        wd::last_error.eq(outcome.error.as_deref()),
    ))
    .returning(columns::<Delivery>())
    .get_result::<Delivery>(conn)
    .optional()?;
    let updated = match moved {
        Some(d) => d,
        None => diesel::update(wd::webhook_deliveries.filter(this))
            .set((
                wd::attempts.eq(wd::attempts + 1),
                wd::last_status_code.eq(outcome.status_code),
                wd::last_error.eq(outcome.error.as_deref()),
            ))
            .returning(columns::<Delivery>())
            .get_result::<Delivery>(conn)
            .optional()?
            .ok_or(StoreError::not_found("webhook delivery"))?,
    };
    diesel::insert_into(wa::webhook_attempts)
        .values((
            wa::clinic_id.eq(delivery.clinic_id),
            wa::delivery_id.eq(delivery.id),
            wa::attempted_at.eq(at),
            wa::status_code.eq(outcome.status_code),
            wa::error.eq(outcome.error.as_deref()),
            wa::duration_ms.eq(outcome.duration_ms),
        ))
        .execute(conn)?;
    Ok(updated)
}

// ---------------------------------------------------------------------------
// The delivery log and replays

/// One delivery.
pub fn delivery(conn: &mut DbConnection, clinic_id: i64, id: i64) -> Result<Delivery, StoreError> {
    wd::webhook_deliveries
        .filter(wd::clinic_id.eq(clinic_id).and(wd::id.eq(id)))
        .select(columns::<Delivery>())
        .first::<Delivery>(conn)
        .optional()?
        .ok_or(StoreError::not_found("webhook delivery"))
}

/// A subscription's deliveries (originals and replays), by id, one page at
/// a time. An unknown subscription has none.
pub fn deliveries(
    conn: &mut DbConnection,
    clinic_id: i64,
    subscription_id: i64,
    page: PageRequest,
) -> Result<Page<Delivery>, StoreError> {
    let rows = wd::webhook_deliveries
        .filter(
            wd::clinic_id
                .eq(clinic_id)
                .and(wd::subscription_id.eq(subscription_id))
                .and(wd::id.gt(page.after_id.unwrap_or(0))),
        )
        .order(wd::id)
        .limit(page.clamped_limit() + 1)
        .select(columns::<Delivery>())
        .load::<Delivery>(conn)?;
    Ok(page.page(rows, |d| d.id))
}

/// A delivery's attempts, oldest first.
pub fn attempts(
    conn: &mut DbConnection,
    clinic_id: i64,
    delivery_id: i64,
) -> Result<Vec<Attempt>, StoreError> {
    Ok(wa::webhook_attempts
        .filter(
            wa::clinic_id
                .eq(clinic_id)
                .and(wa::delivery_id.eq(delivery_id)),
        )
        .order(wa::id)
        .select(columns::<Attempt>())
        .load::<Attempt>(conn)?)
}

/// Sends an event again: a new pending delivery, due at `now`, with the
/// same subscription, event id (`webhook-id`), type, course and payload as
/// delivery `delivery_id`, and `replay_of` pointing at it. It takes its
/// event's place in the course's order.
pub fn replay(
    conn: &mut DbConnection,
    clinic_id: i64,
    delivery_id: i64,
    now: DateTime<Utc>,
) -> Result<Delivery, StoreError> {
    let original = delivery(conn, clinic_id, delivery_id)?;
    Ok(diesel::insert_into(wd::webhook_deliveries)
        .values((
            wd::clinic_id.eq(clinic_id),
            wd::subscription_id.eq(original.subscription_id),
            wd::outbox_id.eq(original.outbox_id),
            wd::event_id.eq(&original.event_id),
            wd::event_type.eq(&original.event_type),
            wd::aggregate_id.eq(original.aggregate_id),
            wd::payload.eq(json(&original.payload)),
            wd::status.eq(DeliveryStatus::Pending.as_str()),
            wd::next_attempt_at.eq(Some(instant(now))),
            wd::replay_of.eq(Some(original.id)),
            wd::created_at.eq(crate::columns::now()),
        ))
        .returning(columns::<Delivery>())
        .get_result::<Delivery>(conn)?)
}
