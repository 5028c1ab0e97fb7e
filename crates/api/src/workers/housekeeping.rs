//! Forgetting what is no longer needed: idempotency records past their time
//! to live (24 hours by default), the rate limiter's idle keys; and it
//! keeps SQLite's planner statistics current.

use std::time::Duration;

use chairside_store::repo;
use chrono::Utc;

use crate::state::AppState;

/// Runs forever, one purge per `every`.
pub async fn run(state: AppState, every: Duration) {
    let mut ticker = actix_web::rt::time::interval(every);
    loop {
        ticker.tick().await;
        if let Some(limiter) = &state.limiter {
            limiter.forget_idle(std::time::Instant::now());
        }
        let store = state.store.clone();
        if let Ok(Err(error)) = actix_web::web::block(move || store.optimize()).await {
            tracing::warn!(%error, "refreshing the planner's statistics failed");
        }
        let store = state.store.clone();
        let ttl = chrono::Duration::from_std(state.settings.idempotency_ttl).unwrap_or_default();
        let purged = actix_web::web::block(move || {
            store.write(|conn| repo::idempotency::purge_before(conn, Utc::now() - ttl))
        })
        .await;
        match purged {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(
                idempotency.purged = n,
                "expired idempotency records forgotten"
            ),
            Ok(Err(error)) => tracing::warn!(%error, "idempotency purge failed"),
            Err(_) => return,
        }
    }
}
