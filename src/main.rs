//! `chairside`: the server and its command line.
//!
//! `chairside` (or `chairside serve`) runs the HTTP service; `migrate`
//! applies database migrations; `backup --to FILE` copies the SQLite
//! database while the service runs; `openapi` prints the OpenAPI document;
//! `api-key create|revoke|list` manages keys. Every option can also be set
//! by an environment variable (shown in `--help`).

use std::path::PathBuf;
use std::process::ExitCode;

use chairside_api::rate_limit::RateLimit;
use chairside_api::ApiSettings;
use chairside_store::models::{NewApiKey, Role};
use chairside_store::{repo, Store, StoreConfig};
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "chairside",
    version,
    about = "Scheduling for ketamine and esketamine infusion clinics"
)]
struct Cli {
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Args)]
struct DatabaseArgs {
    /// `postgres://…` for PostgreSQL; a path or `sqlite://path` for SQLite.
    /// Default: an embedded SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Where the embedded SQLite database lives.
    #[arg(
        long,
        env = "CHAIRSIDE_DATA_DIR",
        default_value = "data",
        global = true
    )]
    data_dir: PathBuf,
    /// Most database connections this process opens.
    #[arg(long, env = "CHAIRSIDE_POOL_SIZE", default_value_t = 10, global = true)]
    pool_size: u32,
    /// Seconds a request waits for a database connection before its 503.
    #[arg(
        long,
        env = "CHAIRSIDE_DB_TIMEOUT_SECONDS",
        default_value_t = 5,
        global = true
    )]
    db_timeout_seconds: u64,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service (the default).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Copy the embedded SQLite database to a new file while the service runs.
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long)]
        to: PathBuf,
    },
    /// Print the OpenAPI document (regenerate api-spec/openapi.json with it).
    Openapi,
    /// Manage API keys.
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
}

#[derive(Debug, Args, Default)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CHAIRSIDE_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Log format.
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
    /// For tests and demonstrations of a clinic day: the clinic's rules read
    /// *now* from this file (one RFC 3339 instant, re-read on every use)
    /// instead of the system clock. Never set it in production.
    #[arg(long, env = "CHAIRSIDE_CLOCK_FILE")]
    clock_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum ApiKeyCommand {
    /// Create a key and print it (once) on standard output.
    Create {
        /// The key's role.
        #[arg(long, value_enum)]
        role: KeyRole,
        /// Limit the key to one clinic.
        #[arg(long)]
        clinic: Option<i64>,
        /// A label for people.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Revoke a key by id.
    Revoke {
        /// The key's id.
        id: i64,
    },
    /// List keys (never their secrets).
    List {
        /// Only this clinic's keys (default: the global ones).
        #[arg(long)]
        clinic: Option<i64>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KeyRole {
    Admin,
    Clinician,
    #[value(name = "front_desk", alias = "front-desk")]
    FrontDesk,
    Integration,
}

impl From<KeyRole> for Role {
    fn from(r: KeyRole) -> Self {
        match r {
            KeyRole::Admin => Role::Admin,
            KeyRole::Clinician => Role::Clinician,
            KeyRole::FrontDesk => Role::FrontDesk,
            KeyRole::Integration => Role::Integration,
        }
    }
}

fn open_store(args: &DatabaseArgs) -> Result<Store, String> {
    let url = match &args.database_url {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&args.data_dir).map_err(|e| {
                format!(
                    "cannot create data directory {}: {e}",
                    args.data_dir.display()
                )
            })?;
            args.data_dir.join("chairside.sqlite").display().to_string()
        }
    };
    let config = StoreConfig::new(url)
        .pool_size(args.pool_size)
        .connection_timeout(std::time::Duration::from_secs(
            args.db_timeout_seconds.max(1),
        ));
    let store = Store::open(&config).map_err(|e| format!("cannot open the database: {e}"))?;
    store
        .run_migrations()
        .map_err(|e| format!("cannot migrate the database: {e}"))?;
    Ok(store)
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

fn serve(store: Store, args: ServeArgs) -> Result<(), String> {
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
            "Chairside listening on http://{0}  (API docs: http://{0}/docs/ , OpenAPI: http://{0}/openapi.json)",
            args.bind
        );
        tracing::info!(bind = %args.bind, "listening");
        server.await.map_err(|e| format!("server stopped: {e}"))
    })
}

fn run(cli: Cli) -> Result<(), String> {
    match cli
        .command
        .unwrap_or(Command::Serve(ServeArgs::parse_default()))
    {
        Command::Serve(args) => serve(open_store(&cli.database)?, args),
        Command::Migrate => {
            open_store(&cli.database)?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Backup { to } => {
            open_store(&cli.database)?
                .backup_to(&to)
                .map_err(|e| format!("backup failed: {e}"))?;
            eprintln!("backed up to {}", to.display());
            Ok(())
        }
        Command::Openapi => {
            print!("{}", chairside_api::openapi::document_json());
            Ok(())
        }
        Command::ApiKey(command) => {
            let store = open_store(&cli.database)?;
            api_key(&store, command)
        }
    }
}

fn api_key(store: &Store, command: ApiKeyCommand) -> Result<(), String> {
    let fail = |e: chairside_store::StoreError| e.to_string();
    match command {
        ApiKeyCommand::Create {
            role,
            clinic,
            label,
        } => {
            let (key, token) = store
                .write(|conn| {
                    if let Some(clinic) = clinic {
                        repo::clinics::get(conn, clinic)?;
                    }
                    repo::api_keys::create(
                        conn,
                        &NewApiKey {
                            clinic_id: clinic,
                            role: role.into(),
                            label,
                        },
                    )
                })
                .map_err(fail)?;
            eprintln!(
                "created key {} ({}{})",
                key.id,
                key.role.as_str(),
                clinic.map(|c| format!(", clinic {c}")).unwrap_or_default()
            );
            println!("{token}");
            Ok(())
        }
        ApiKeyCommand::Revoke { id } => {
            let key = store
                .write(|conn| repo::api_keys::revoke(conn, id))
                .map_err(fail)?;
            eprintln!("revoked key {}", key.id);
            Ok(())
        }
        ApiKeyCommand::List { clinic } => {
            let keys = store
                .read(|conn| repo::api_keys::list(conn, clinic))
                .map_err(fail)?;
            for key in keys {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    key.id,
                    key.role.as_str(),
                    key.clinic_id
                        .map(|c| c.to_string())
                        .unwrap_or_else(|| "-".into()),
                    if key.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    },
                    key.label
                );
            }
            Ok(())
        }
    }
}

impl ServeArgs {
    /// The serve options from the environment and defaults, when no
    /// subcommand was given.
    fn parse_default() -> Self {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeArgs,
        }
        Only::parse_from(["chairside"]).serve
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("chairside: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
