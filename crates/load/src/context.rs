//! What every run of an invocation shares: how to start the server, where
//! scratch databases go, the warm-up and the measurement limit; and the
//! set-up every mode needs (a fresh database with the server on it, the
//! clinics and patients of a run).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::database::{self, Backend, Scratch};
use crate::http::Client;
use crate::runner::Limit;
use crate::server::{self, Server, ServerConfig};
use crate::world::{self, World};
use crate::{sqlite, Common, RunArgs};

pub struct Context {
    pub config: ServerConfig,
    pub pg_url: String,
    pub work_dir: PathBuf,
    pub keep: bool,
    pub warmup: Duration,
    pub limit: Limit,
}

impl Context {
    /// The context the common options describe; an error for options that
    /// make no sense (a non-positive duration, no server binary).
    pub fn new(common: &Common) -> Result<Context, String> {
        if common.seconds.is_nan() || common.seconds <= 0.0 {
            return Err("--seconds must be positive".into());
        }
        let work_dir = common
            .work_dir
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("chairside-load"));
        std::fs::create_dir_all(&work_dir).map_err(|e| format!("{}: {e}", work_dir.display()))?;
        Ok(Context {
            config: ServerConfig {
                binary: server::find_binary(common.server.as_deref())?,
                pool_size: common.pool_size,
                log_filter: common.log_filter.clone(),
            },
            pg_url: common.pg_url.clone(),
            work_dir,
            keep: common.keep,
            warmup: Duration::from_secs_f64(common.warmup_seconds()),
            limit: match common.requests {
                Some(n) => Limit::Operations(n),
                None => Limit::Duration(Duration::from_secs_f64(common.seconds)),
            },
        })
    }

    /// How the invocation ran, for the report: the options, the machine
    /// and the database versions.
    pub fn settings(&self, common: &Common) -> BTreeMap<String, String> {
        let or_default = |n: Option<String>, default: &str| n.unwrap_or_else(|| default.into());
        BTreeMap::from([
            ("server".into(), self.config.binary.display().to_string()),
            ("seconds".into(), format!("{}", common.seconds)),
            (
                "warmup_seconds".into(),
                format!("{}", common.warmup_seconds()),
            ),
            (
                "requests".into(),
                or_default(common.requests.map(|n| n.to_string()), ""),
            ),
            (
                "pool_size".into(),
                or_default(common.pool_size.map(|n| n.to_string()), "server default"),
            ),
            ("log_filter".into(), common.log_filter.clone()),
            (
                "cores".into(),
                std::thread::available_parallelism()
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            ),
            ("sqlite_version".into(), sqlite::version()),
            (
                "postgres_version".into(),
                database::psql(&common.pg_url, "SHOW server_version")
                    .map(|v| v.trim().to_string())
                    .unwrap_or_else(|e| format!("unreachable: {e}")),
            ),
            (
                "load_average_at_start".into(),
                std::fs::read_to_string("/proc/loadavg")
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            ),
        ])
    }

    pub fn scratch(&self, backend: Backend, label: &str) -> Result<Scratch, String> {
        Scratch::create(backend, &self.work_dir, label, &self.pg_url, self.keep)
    }

    /// A fresh database, migrated, with an admin key, and the server on it.
    pub fn start(
        &self,
        backend: Backend,
        label: &str,
    ) -> Result<(Scratch, String, Server), String> {
        let scratch = self.scratch(backend, label)?;
        self.config.cli(&scratch, &["migrate"])?;
        let admin = self.config.create_key(&scratch, "admin", None)?;
        let server = Server::start(&self.config, &scratch, "server")?;
        Ok((scratch, admin, server))
    }

    /// Patients each clinic needs: the seed bookings plus more than the
    /// fastest conceivable booking rate (4000 courses/s over all clients;
    /// SQLite at one client has reached 1 300)
    /// can use in the warm-up and the measurement. Clients are spread
    /// round-robin, so a clinic gets at most ⌈clients / clinics⌉ of them.
    pub fn patients_per_clinic(&self, clinics: usize, clients: usize, seeds: usize) -> i64 {
        let clients = clients.max(1);
        let share = clients.div_ceil(clinics) as f64 / clients as f64;
        let work = match self.limit {
            Limit::Operations(n) => n as f64 * share,
            Limit::Duration(d) => 4000.0 * (d + self.warmup).as_secs_f64() * share,
        };
        seeds as i64 + work.ceil() as i64 + 100
    }

    /// Creates the clinics and patients of a run (room for `seeds`
    /// bookings per clinic before it starts).
    pub fn make_world(
        &self,
        args: &RunArgs,
        scratch: &Scratch,
        server: &Server,
        admin: &str,
        clients: usize,
        seeds: usize,
    ) -> Result<Arc<World>, String> {
        let client = Client::new(&server.base);
        let clinics = world::create_clinics(
            &client,
            &self.config,
            scratch,
            admin,
            args.clinics,
            args.chairs,
            &world::weekday_hours(),
        )?;
        let patients = world::insert_patients(
            scratch,
            &clinics,
            self.patients_per_clinic(args.clinics, clients, seeds),
        )?;
        Ok(Arc::new(World {
            clinics,
            patients,
            first_day: chrono::Utc::now().date_naive() + chrono::Duration::days(7),
        }))
    }
}

/// The backends asked for, both when none were named.
pub fn backends(given: &[Backend]) -> Vec<Backend> {
    if given.is_empty() {
        vec![Backend::Sqlite, Backend::Postgres]
    } else {
        given.to_vec()
    }
}
