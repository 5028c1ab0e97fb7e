//! Steps 2 and 3 of delivery: leasing due deliveries to a worker and
//! recording each attempt; reading deliveries and replaying one.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use crate::backend::DbConnection;
use crate::columns::{instant, json, now};
use crate::error::StoreError;
use crate::models::{
    columns, Attempt, AttemptOutcome, Delivery, DeliveryStatus, Next, Page, PageRequest,
};
use crate::repo::require_transaction;
use crate::schema::webhook_attempts::dsl as wa;
use crate::schema::webhook_deliveries::dsl as wd;

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
/// event of the course still queued to be fanned out (another replica may
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
    SELECT 1 FROM outbox_pending u
    WHERE u.clinic_id = d.clinic_id AND u.aggregate_id = d.aggregate_id
      AND u.id < d.outbox_id)
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
