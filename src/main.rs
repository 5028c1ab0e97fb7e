//! `chairside`: the server and its command line.
//!
//! `chairside` (or `chairside serve`) runs the HTTP service; `migrate`
//! applies database migrations; `backup --to FILE` copies the SQLite
//! database while the service runs; `openapi` prints the OpenAPI document;
//! `api-key create|revoke|list` manages keys. Every option can also be set
//! by an environment variable (shown in `--help`).

mod api_keys;
mod serve;

/// mimalloc instead of glibc's malloc: a booking allocates in many small
/// pieces (SQLite, diesel, serde) across the worker and blocking threads,
/// and glibc's allocator was ~11 % of the server's time on SQLite at one
/// client; alternating runs booked ~20 % more per core. Built without
/// transparent huge pages (`no_thp`): with them, each thread's memory
/// grows in 2 MiB steps and 32 clients took the server from 65 to over
/// 200 MiB of RSS (70 MiB without). docs/performance.md has the figures.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use chairside_store::{Store, StoreConfig};
use clap::{Args, Parser, Subcommand};

use api_keys::ApiKeyCommand;
use serve::{serve, ServeArgs};

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
            api_keys::run(&store, command)
        }
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
