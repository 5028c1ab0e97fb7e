//! Webhook delivery: fan each outbox event out to the subscriptions that
//! want it, then send what is due. Every replica runs this loop; the store
//! claims rows with `FOR UPDATE SKIP LOCKED` (PostgreSQL) or inside the
//! SQLite write lock, under a lease, so no delivery is sent twice at once,
//! and events of one course go out in order.

use chairside_store::models::{OutboxEvent, WebhookSubscription};
use chairside_store::{repo, DbConnection, Store, StoreError};
use chrono::Utc;
use serde_json::Value;

use crate::error::ApiError;
use crate::state::AppState;
use crate::webhooks::delivery::{self, DeliveryConfig};

/// Outbox rows fanned out per transaction.
const FAN_OUT_BATCH: i64 = 500;
/// Deliveries claimed per round.
const CLAIM_BATCH: i64 = 50;

/// Runs forever, one round per `state.settings.webhook_poll`.
pub async fn run(state: AppState) {
    let mut ticker = actix_web::rt::time::interval(state.settings.webhook_poll);
    let config = state.settings.delivery.clone();
    let agent = delivery::agent(&config);
    loop {
        ticker.tick().await;
        let (store, config, agent) = (state.store.clone(), config.clone(), agent.clone());
        match actix_web::web::block(move || round(&store, &agent, &config)).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::warn!(%error, "webhook round failed"),
            Err(_) => return,
        }
    }
}

/// The body a subscription receives: `{type, timestamp, data}`, with the
/// patient's display name only where the clinic enabled it for that
/// subscription.
fn body_for(
    conn: &mut DbConnection,
    event: &OutboxEvent,
    subscription: &WebhookSubscription,
) -> Result<Value, StoreError> {
    let mut body = repo::webhooks::standard_body(event);
    if subscription.include_patient_names {
        let patient_id = event
            .payload
            .get("patient_id")
            .or_else(|| {
                event
                    .payload
                    .get("session")
                    .and_then(|s| s.get("patient_id"))
            })
            .and_then(Value::as_i64);
        if let Some(patient_id) = patient_id {
            let patient = repo::patients::get(conn, event.clinic_id, patient_id)?;
            body["data"]["patient_display_name"] = Value::String(patient.display_name);
        }
    }
    Ok(body)
}

/// One round: fan out, claim, send, record. Returns deliveries attempted.
pub fn round(
    store: &Store,
    agent: &ureq::Agent,
    config: &DeliveryConfig,
) -> Result<usize, ApiError> {
    while store.write(|conn| repo::webhooks::fan_out_with(conn, FAN_OUT_BATCH, body_for))? as i64
        == FAN_OUT_BATCH
    {}
    // The lease outlives any request, so a slow endpoint is never sent the
    // same delivery by another replica meanwhile.
    let lease = chrono::Duration::from_std(config.timeout * 3).unwrap_or_default()
        + chrono::Duration::seconds(30);
    let claimed =
        store.write(|conn| repo::webhooks::claim_due(conn, Utc::now(), CLAIM_BATCH, lease))?;
    for due in &claimed {
        let subscription =
            store.read(|conn| repo::webhooks::get(conn, due.clinic_id, due.subscription_id))?;
        let verdict = delivery::send(agent, config, &subscription, due);
        tracing::info!(
            webhook.subscription = subscription.id,
            webhook.delivery = due.id,
            webhook.event_type = %due.event_type,
            http.status = verdict.outcome.status_code,
            "webhook attempt"
        );
        store.write(|conn| -> Result<(), ApiError> {
            repo::webhooks::record_attempt(conn, due, &verdict.outcome, verdict.next)?;
            if let Some(reason) = &verdict.disable {
                let current = repo::webhooks::get(conn, due.clinic_id, due.subscription_id)?;
                if current.enabled {
                    repo::webhooks::set_enabled(
                        conn,
                        due.clinic_id,
                        current.id,
                        current.version,
                        false,
                        Some(reason),
                    )?;
                }
            }
            Ok(())
        })?;
    }
    Ok(claimed.len())
}
