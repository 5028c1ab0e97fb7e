//! End to end: the real `chairside` binary serving a [`TestDb`] of its own
//! over HTTP, an admin key, an HTTP client, the clinic's clock, and a
//! clinic to work in.
//!
//! Cargo builds the binary for its own package's integration tests only
//! (`env!("CARGO_BIN_EXE_chairside")`), so its path is a parameter here: a
//! [`Binary`], which the end-to-end tests declare once
//! (`Binary::at(env!("CARGO_BIN_EXE_chairside"))`) and start everything
//! from.

pub mod clinic;
pub mod clock;
pub mod cluster;
pub mod http;
pub mod server;
pub mod webhooks;

use std::process::{Command, Output};

use serde_json::Value;

pub use clinic::*;
pub use http::{error_fields, violation_rules, Call, Reply};
pub use server::Server;

use crate::TestDb;

/// The `chairside` binary under test.
#[derive(Clone, Copy, Debug)]
pub struct Binary {
    path: &'static str,
}

impl Binary {
    /// The binary at `path`.
    pub const fn at(path: &'static str) -> Binary {
        Binary { path }
    }

    /// The binary, pointed at `db` (and its clock) and at nothing else from
    /// the environment.
    pub fn command(self, db: &TestDb) -> Command {
        let mut command = Command::new(self.path);
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            if key.starts_with("CHAIRSIDE_") || key == "DATABASE_URL" {
                command.env_remove(key);
            }
        }
        match db.sqlite_dir() {
            Some(dir) => command.env("CHAIRSIDE_DATA_DIR", dir),
            None => command.env("DATABASE_URL", db.url()),
        };
        command.env("CHAIRSIDE_POOL_SIZE", "8");
        // The clinic's clock: the instant in this file (see `clock.rs`).
        command.env("CHAIRSIDE_CLOCK_FILE", clock::file(db));
        // Load and race tests send hundreds of requests with one key; a test
        // of the limit itself sets it again (`Binary::server_with`).
        command.env("CHAIRSIDE_RATE_LIMIT_PER_MINUTE", "0");
        command
    }

    /// Runs `chairside api-key create` on `db` with these arguments.
    pub fn api_key_create(self, db: &TestDb, args: &[&str]) -> Output {
        self.command(db)
            .args(["api-key", "create"])
            .args(args)
            .output()
            .expect("run chairside api-key create")
    }

    /// A new API key with the role (as the documentation spells it:
    /// `admin`, `clinician`, `front_desk`, `integration`), optionally scoped
    /// to one clinic.
    pub fn create_key(self, db: &TestDb, role: &str, clinic: Option<i64>) -> String {
        let clinic = clinic.map(|c| c.to_string());
        let mut args = vec!["--role", role];
        if let Some(clinic) = &clinic {
            args.extend(["--clinic", clinic.as_str()]);
        }
        let output = self.api_key_create(db, &args);
        assert!(
            output.status.success(),
            "api-key create {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let key = String::from_utf8(output.stdout)
            .expect("the key is text")
            .trim()
            .to_string();
        assert!(!key.is_empty(), "api-key create printed no key");
        key
    }

    /// A server on `db`, answering.
    pub fn server(self, db: &TestDb) -> Server {
        Server::start(self, db, &[])
    }

    /// A server on `db` with these environment variables set on top of the
    /// database's (e.g. `CHAIRSIDE_WEBHOOK_POLL_MS`).
    pub fn server_with(self, db: &TestDb, env: &[(&str, &str)]) -> Server {
        Server::start(self, db, env)
    }

    /// Creates the admin key first (so the server makes none of its own),
    /// then starts the server.
    pub fn start(self, db: TestDb) -> App {
        self.replicated(db, 1)
    }

    /// `servers` server processes sharing one database.
    pub fn replicated(self, db: TestDb, servers: usize) -> App {
        self.replicated_with(db, servers, &[])
    }

    /// `servers` server processes sharing one database, each started with
    /// these environment variables on top of the database's.
    pub fn replicated_with(self, db: TestDb, servers: usize, env: &[(&str, &str)]) -> App {
        let admin = self.create_key(&db, "admin", None);
        let server = self.server_with(&db, env);
        let replicas = (1..servers).map(|_| self.server_with(&db, env)).collect();
        App {
            binary: self,
            server,
            replicas,
            db,
            admin,
        }
    }

    /// Runs the scenario on one server over a new SQLite database.
    pub fn on_sqlite(self, body: impl FnOnce(&App)) {
        body(&self.start(TestDb::sqlite()));
    }

    /// Runs the scenario on one server over a new PostgreSQL database;
    /// panics without `TEST_DATABASE_URL`.
    pub fn on_postgres(self, body: impl FnOnce(&App)) {
        body(&self.start(TestDb::postgres()));
    }
}

/// A server on a database of its own, and an admin key for it. Dropping it
/// stops the server, then removes the database.
pub struct App {
    pub binary: Binary,
    // Field order is drop order: the servers go before their database.
    pub server: Server,
    /// More servers on the same database (replicas), for the race tests.
    pub replicas: Vec<Server>,
    pub db: TestDb,
    pub admin: String,
}

impl App {
    /// Every server process of this app.
    pub fn servers(&self) -> Vec<&Server> {
        std::iter::once(&self.server)
            .chain(&self.replicas)
            .collect()
    }

    /// Another server on this app's database, with these environment
    /// variables on top of the database's.
    pub fn start_server(&self, env: &[(&str, &str)]) -> Server {
        self.binary.server_with(&self.db, env)
    }

    /// The binary, pointed at this app's database.
    pub fn command(&self) -> Command {
        self.binary.command(&self.db)
    }

    /// Runs `chairside api-key create` with these arguments.
    pub fn api_key_create(&self, args: &[&str]) -> Output {
        self.binary.api_key_create(&self.db, args)
    }

    /// A new API key (see [`Binary::create_key`]).
    pub fn create_key(&self, role: &str, clinic: Option<i64>) -> String {
        self.binary.create_key(&self.db, role, clinic)
    }

    /// A direct connection to the database, for checks the API cannot make.
    pub fn store(&self) -> chairside_store::Store {
        self.db.open_store(1)
    }

    /// Pairs of live sessions that overlap on one chair or for one patient
    /// (see [`crate::queries::overlapping_live_pairs`]).
    pub fn overlapping_live_pairs(&self) -> i64 {
        let store = self.store();
        let mut conn = store
            .connection()
            .expect("a connection to the test database");
        crate::queries::overlapping_live_pairs(&mut conn)
    }

    /// Deadlocks PostgreSQL detected in the test's database so far (see
    /// [`crate::queries::deadlocks`]); `None` on SQLite.
    pub fn deadlocks(&self) -> Option<i64> {
        let store = self.store();
        let mut conn = store
            .connection()
            .expect("a connection to the test database");
        crate::queries::deadlocks(&mut conn)
    }

    pub fn call(&self, method: &str, path: &str) -> Call {
        self.server.call(method, path)
    }

    pub fn get(&self, key: &str, path: &str) -> Reply {
        self.call("GET", path).key(key).send()
    }

    pub fn post(&self, key: &str, path: &str, body: &Value) -> Reply {
        self.call("POST", path).key(key).json(body).send()
    }
}
