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

mod delivery;
mod fan_out;

pub use delivery::*;
pub use fan_out::*;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{instant, now};
use crate::error::StoreError;
use crate::models::{columns, NewWebhookSubscription, WebhookSubscription};
use crate::repo::version_miss;
use crate::schema::webhook_subscriptions::dsl as ws;

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

pub(super) fn enabled_in(
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
