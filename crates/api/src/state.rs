//! What every handler shares.

use std::sync::Arc;
use std::time::Duration;

use chairside_store::Store;

use crate::clock::Clock;
use crate::key_cache::KeyCache;
use crate::metrics::Metrics;
use crate::rate_limit::{RateLimit, RateLimiter};

/// Shared, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Tunables.
    pub settings: ApiSettings,
    /// Requests per API key, when limited.
    pub limiter: Option<Arc<RateLimiter>>,
    /// The clock the clinic's rules read (the system's, or a test's).
    pub clock: Clock,
    /// API keys that verified, for `settings.key_cache_ttl`.
    pub keys: Arc<KeyCache>,
}

impl AppState {
    /// The state of one server process.
    pub fn new(store: Store, settings: ApiSettings) -> Self {
        let limiter = settings
            .rate_limit
            .map(|limit| Arc::new(RateLimiter::new(limit)));
        AppState {
            store,
            metrics: Arc::new(Metrics::default()),
            clock: settings.clock.clone(),
            keys: Arc::new(KeyCache::new(settings.key_cache_ttl)),
            settings,
            limiter,
        }
    }
}

/// Tunables of the HTTP layer.
#[derive(Clone, Debug)]
pub struct ApiSettings {
    /// How long an `Idempotency-Key` is remembered.
    pub idempotency_ttl: Duration,
    /// Whether `/metrics` needs no API key.
    pub public_metrics: bool,
    /// The largest request body accepted, bytes.
    pub max_body_bytes: usize,
    /// How webhooks are sent and retried.
    pub delivery: crate::webhooks::delivery::DeliveryConfig,
    /// How often the webhook worker looks for work.
    pub webhook_poll: Duration,
    /// Requests each API key may make; `None` = unlimited.
    pub rate_limit: Option<RateLimit>,
    /// The clock the clinic's rules read.
    pub clock: Clock,
    /// How long a verified API key is trusted without asking the database
    /// again: the bound on a revocation reaching every server.
    pub key_cache_ttl: Duration,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings {
            idempotency_ttl: Duration::from_secs(24 * 3600),
            public_metrics: true,
            max_body_bytes: 64 * 1024,
            delivery: Default::default(),
            webhook_poll: Duration::from_secs(1),
            rate_limit: Some(RateLimit::default()),
            clock: Clock::System,
            key_cache_ttl: crate::key_cache::DEFAULT_TTL,
        }
    }
}
