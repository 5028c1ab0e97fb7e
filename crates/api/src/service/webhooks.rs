//! Webhook subscriptions: create (secret shown once), enable/disable,
//! rotate the secret with a grace period, read the delivery log, replay.

use chairside_store::models::{self as m, NewWebhookSubscription, PageRequest};
use chairside_store::{repo, DbConnection};
use chrono::Utc;
use serde_json::json;

use crate::auth::Caller;
use crate::dto::webhook::{
    is_event_type, AttemptView, CreateSubscription, DeliveryView, RotateSecret, SetEnabled,
    SubscriptionView, SubscriptionWithSecret,
};
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::service::audit;
use crate::webhooks::signing::new_secret;

/// The wire view of a subscription (never its secret).
pub fn view(s: &m::WebhookSubscription) -> SubscriptionView {
    SubscriptionView {
        id: s.id,
        url: s.url.clone(),
        event_types: s.event_types.clone(),
        include_patient_names: s.include_patient_names,
        enabled: s.enabled,
        disabled_reason: s.disabled_reason.clone(),
        previous_secret_until: s.previous_secret_until,
        created_at: s.created_at,
    }
}

fn check(new: &CreateSubscription) -> Result<(), ApiError> {
    let url = new.url.trim();
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if !scheme_ok || url.len() > 2000 || url.chars().any(char::is_whitespace) {
        return Err(ApiError::invalid_field(
            "url",
            "an absolute http(s) URL of at most 2000 characters",
        ));
    }
    if new.event_types.is_empty() {
        return Err(ApiError::invalid_field(
            "event_types",
            "list the event types wanted, or [\"*\"]",
        ));
    }
    for (i, t) in new.event_types.iter().enumerate() {
        if t != "*" && !is_event_type(t) {
            return Err(ApiError::invalid_field(
                format!("event_types[{i}]"),
                format!("{t:?} is not an event type; see the documentation for the list"),
            ));
        }
    }
    Ok(())
}

/// Creates a subscription; the response carries the secret, once.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    new: &CreateSubscription,
) -> Result<SubscriptionWithSecret, ApiError> {
    check(new)?;
    repo::clinics::get(conn, clinic_id)?;
    let secret = new_secret();
    let subscription = repo::webhooks::create(
        conn,
        clinic_id,
        &NewWebhookSubscription {
            url: new.url.trim().to_string(),
            event_types: new.event_types.clone(),
            secret: secret.clone(),
            include_patient_names: new.include_patient_names,
        },
    )?;
    let view = view(&subscription);
    // The audit row records the subscription, never its secret.
    audit(
        conn,
        caller,
        Some(clinic_id),
        "webhook.created",
        "webhook_subscription",
        Some(subscription.id),
        None,
        Some(json!(view)),
    )?;
    Ok(SubscriptionWithSecret {
        subscription: view,
        secret,
    })
}

/// Turns deliveries on or off, guarded by If-Match.
pub fn set_enabled(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    id: i64,
    if_match: &IfMatch,
    body: &SetEnabled,
) -> Result<SubscriptionView, ApiError> {
    let current = repo::webhooks::get(conn, clinic_id, id)?;
    if_match.check(&view(&current))?;
    let updated = repo::webhooks::set_enabled(
        conn,
        clinic_id,
        id,
        current.version,
        body.enabled,
        body.reason.as_deref(),
    )?;
    let action = if body.enabled {
        "webhook.enabled"
    } else {
        "webhook.disabled"
    };
    audit(
        conn,
        caller,
        Some(clinic_id),
        action,
        "webhook_subscription",
        Some(id),
        None,
        Some(json!({ "reason": body.reason })),
    )?;
    Ok(view(&updated))
}

/// A new secret; the old one keeps signing for the grace period.
pub fn rotate(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    id: i64,
    if_match: &IfMatch,
    body: &RotateSecret,
) -> Result<SubscriptionWithSecret, ApiError> {
    let hours = body.grace_hours.unwrap_or(24);
    if hours > 168 {
        return Err(ApiError::invalid_field(
            "grace_hours",
            "at most 168 (a week)",
        ));
    }
    let current = repo::webhooks::get(conn, clinic_id, id)?;
    if_match.check(&view(&current))?;
    let secret = new_secret();
    let until = Utc::now() + chrono::Duration::hours(i64::from(hours));
    let updated =
        repo::webhooks::rotate_secret(conn, clinic_id, id, current.version, &secret, until)?;
    audit(
        conn,
        caller,
        Some(clinic_id),
        "webhook.secret_rotated",
        "webhook_subscription",
        Some(id),
        None,
        Some(json!({ "previous_valid_until": until })),
    )?;
    Ok(SubscriptionWithSecret {
        subscription: view(&updated),
        secret,
    })
}

fn delivery_view(conn: &mut DbConnection, d: &m::Delivery) -> Result<DeliveryView, ApiError> {
    let attempts = repo::webhooks::attempts(conn, d.clinic_id, d.id)?;
    Ok(DeliveryView {
        id: d.id,
        event_id: d.event_id.clone(),
        event_type: d.event_type.clone(),
        status: d.status.as_str().to_string(),
        attempts: d.attempts,
        next_attempt_at: d.next_attempt_at,
        last_status_code: d.last_status_code,
        attempt_log: attempts
            .iter()
            .map(|a| AttemptView {
                attempted_at: a.attempted_at,
                status_code: a.status_code,
                error: a.error.clone(),
                duration_ms: a.duration_ms,
            })
            .collect(),
    })
}

/// A page of a subscription's deliveries with their attempts.
pub fn deliveries(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
    page: PageRequest,
) -> Result<(Vec<DeliveryView>, Option<i64>), ApiError> {
    repo::webhooks::get(conn, clinic_id, id)?;
    let rows = repo::webhooks::deliveries(conn, clinic_id, id, page)?;
    let items = rows
        .items
        .iter()
        .map(|d| delivery_view(conn, d))
        .collect::<Result<_, _>>()?;
    Ok((items, rows.next_after_id))
}

/// Sends an event again (same `webhook-id`, same body).
pub fn replay(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    id: i64,
    delivery_id: i64,
) -> Result<DeliveryView, ApiError> {
    let delivery = repo::webhooks::delivery(conn, clinic_id, delivery_id)?;
    if delivery.subscription_id != id {
        return Err(ApiError::NotFound(format!(
            "delivery {delivery_id} is not one of subscription {id}'s"
        )));
    }
    let replayed = repo::webhooks::replay(conn, clinic_id, delivery_id, Utc::now())?;
    audit(
        conn,
        caller,
        Some(clinic_id),
        "webhook.replayed",
        "webhook_delivery",
        Some(replayed.id),
        None,
        Some(json!({ "of": delivery_id })),
    )?;
    delivery_view(conn, &replayed)
}
