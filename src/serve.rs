//! `chairside serve`: the HTTP service, its settings from the command line
//! and environment, its logs, and the first admin key on a fresh database.

use chairside_api::rate_limit::RateLimit;
use chairside_api::ApiSettings;
use chairside_store::models::{NewApiKey, Role};
use chairside_store::{repo, Store};
use clap::{Args, Parser, ValueEnum};

#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CHAIRSIDE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// How logs are written: `text` for people, `json` for a log pipeline.
    #[arg(long, env = "CHAIRSIDE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Require an API key for /metrics.
    #[arg(long, env = "CHAIRSIDE_PRIVATE_METRICS")]
    private_metrics: bool,
    /// Largest accepted request body, bytes.
    #[arg(long, env = "CHAIRSIDE_MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    max_body_bytes: usize,
    /// Hours an Idempotency-Key is remembered.
    #[arg(long, env = "CHAIRSIDE_IDEMPOTENCY_HOURS", default_value_t = 24)]
    idempotency_hours: u64,
    /// Seconds before a webhook request times out.
    #[arg(long, env = "CHAIRSIDE_WEBHOOK_TIMEOUT_SECONDS", default_value_t = 10)]
    webhook_timeout_seconds: u64,
    /// Scales the webhook retry schedule (1 = the ~3-day schedule; tests compress it).
    #[arg(long, env = "CHAIRSIDE_WEBHOOK_RETRY_SCALE", default_value_t = 1.0)]
    webhook_retry_scale: f64,
    /// How often each replica's webhook worker looks for work, milliseconds.
    #[arg(long, env = "CHAIRSIDE_WEBHOOK_POLL_MS", default_value_t = 1000)]
    webhook_poll_ms: u64,
    /// Requests per minute each API key may make, per server process (0 = unlimited).
    #[arg(long, env = "CHAIRSIDE_RATE_LIMIT_PER_MINUTE", default_value_t = 1200)]
    rate_limit_per_minute: u32,
    /// Requests each API key may make at once after a quiet spell.
    #[arg(long, env = "CHAIRSIDE_RATE_LIMIT_BURST", default_value_t = 300)]
    rate_limit_burst: u32,
    /// How long each server trusts an API key it verified before asking the
    /// database again, seconds: the longest a key revoked elsewhere (another
    /// replica, the CLI) may still be accepted here (0 = ask every time).
    #[arg(long, env = "CHAIRSIDE_KEY_CACHE_SECONDS", default_value_t = 5)]
    key_cache_seconds: u64,
    /// For tests and demonstrations of a clinic day: the clinic's rules read
    /// *now* from this file (one RFC 3339 instant, re-read on every use)
    /// instead of the system clock. Never set it in production.
    #[arg(long, env = "CHAIRSIDE_CLOCK_FILE")]
    clock_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl ServeArgs {
    /// The serve options from the environment and defaults, when no
    /// subcommand was given.
    pub fn parse_default() -> Self {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeArgs,
        }
        Only::parse_from(["chairside"]).serve
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,actix_server=warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
    }
}

/// On first start with no key at all, make an admin key so the operator can
/// get in; print it once.
fn first_admin_key(store: &Store) -> Result<(), String> {
    let created = store
        .write(|conn| {
            let one = chairside_store::models::PageRequest {
                after_id: None,
                limit: 1,
            };
            if !repo::api_keys::list(conn, None)?.is_empty()
                || !repo::clinics::list(conn, one)?.items.is_empty()
            {
                return Ok(None);
            }
            repo::api_keys::create(
                conn,
                &NewApiKey {
                    clinic_id: None,
                    role: Role::Admin,
                    label: "first admin".into(),
                },
            )
            .map(Some)
        })
        .map_err(|e: chairside_store::StoreError| {
            format!("cannot create the first admin key: {e}")
        })?;
    if let Some((_, token)) = created {
        println!("First start: created an admin API key. It is shown only now; keep it safe:\n\n    {token}\n");
    }
    Ok(())
}

pub fn serve(store: Store, args: ServeArgs) -> Result<(), String> {
    init_logging(args.log_format);
    first_admin_key(&store)?;
    let settings = ApiSettings {
        idempotency_ttl: std::time::Duration::from_secs(args.idempotency_hours * 3600),
        public_metrics: !args.private_metrics,
        max_body_bytes: args.max_body_bytes,
        delivery: chairside_api::webhooks::delivery::DeliveryConfig {
            timeout: std::time::Duration::from_secs(args.webhook_timeout_seconds),
            retry_scale: args.webhook_retry_scale,
        },
        webhook_poll: std::time::Duration::from_millis(args.webhook_poll_ms),
        rate_limit: (args.rate_limit_per_minute > 0).then_some(RateLimit {
            per_minute: args.rate_limit_per_minute,
            burst: args.rate_limit_burst.max(1),
        }),
        key_cache_ttl: std::time::Duration::from_secs(args.key_cache_seconds),
        clock: match &args.clock_file {
            Some(path) => {
                tracing::warn!(clock.file = %path.display(), "the clinic's clock is read from a file, not the system clock");
                chairside_api::clock::Clock::File(std::sync::Arc::new(path.clone()))
            }
            None => chairside_api::clock::Clock::System,
        },
    };
    actix_web::rt::System::new().block_on(async {
        // The server and its background workers start inside the actix
        // system that runs them.
        let server = chairside_api::server(store, settings, &args.bind)
            .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
        println!(
            "Chairside listening on http://{0}  (board: http://{0}/board , API docs: http://{0}/docs/ , OpenAPI: http://{0}/openapi.json)",
            args.bind
        );
        tracing::info!(bind = %args.bind, "listening");
        server.await.map_err(|e| format!("server stopped: {e}"))
    })
}
