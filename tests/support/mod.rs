//! What every end-to-end test needs: a database of its own, the real binary
//! serving it, an admin key, an HTTP client, and a clinic to work in.

pub mod clinic;
pub mod clock;
pub mod cluster;
pub mod database;
pub mod http;
pub mod server;
pub mod webhooks;

pub use clinic::*;
pub use database::{overlapping_live_pairs, TestDb};
pub use http::{error_fields, violation_rules, Reply};
pub use server::Server;

use serde_json::Value;

/// Runs the scenario `fn $name(app: &App)` once per backend, as two tests:
/// `<name>::sqlite` always and `<name>::postgres` when `TEST_DATABASE_URL`
/// is set (otherwise it passes with a note). Attributes given first
/// (`#[ignore = "bug: …"]`) apply to both.
macro_rules! on_every_backend {
    ($(#[$meta:meta])* $name:ident) => {
        mod $name {
            $(#[$meta])*
            #[test]
            fn sqlite() {
                crate::support::App::on_sqlite(super::$name);
            }

            $(#[$meta])*
            #[test]
            fn postgres() {
                crate::support::App::on_postgres(super::$name);
            }
        }
    };
}
pub(crate) use on_every_backend;

/// A server on a database of its own, and an admin key for it. Dropping it
/// stops the server, then removes the database.
pub struct App {
    // Field order is drop order: the servers go before their database.
    pub server: Server,
    /// More servers on the same database (replicas), for the race tests.
    pub replicas: Vec<Server>,
    pub db: TestDb,
    pub admin: String,
}

impl App {
    /// Creates the admin key first (so the server makes none of its own),
    /// then starts the server.
    pub fn start(db: TestDb) -> App {
        App::replicated(db, 1)
    }

    /// `servers` server processes sharing one database.
    pub fn replicated(db: TestDb, servers: usize) -> App {
        let admin = db.create_key("admin", None);
        let server = Server::start(&db);
        let replicas = (1..servers).map(|_| Server::start(&db)).collect();
        App {
            server,
            replicas,
            db,
            admin,
        }
    }

    /// `servers` server processes sharing one database, each started with
    /// these environment variables on top of the database's.
    pub fn replicated_with(db: TestDb, servers: usize, env: &[(&str, &str)]) -> App {
        let admin = db.create_key("admin", None);
        let server = Server::start_with(&db, env);
        let replicas = (1..servers).map(|_| Server::start_with(&db, env)).collect();
        App {
            server,
            replicas,
            db,
            admin,
        }
    }

    /// Every server process of this app.
    pub fn servers(&self) -> Vec<&Server> {
        std::iter::once(&self.server)
            .chain(&self.replicas)
            .collect()
    }

    pub fn on_sqlite(body: fn(&App)) {
        body(&App::start(TestDb::sqlite()));
    }

    pub fn on_postgres(body: fn(&App)) {
        match TestDb::postgres() {
            Some(db) => body(&App::start(db)),
            None => eprintln!("TEST_DATABASE_URL not set: PostgreSQL skipped"),
        }
    }

    pub fn call(&self, method: &str, path: &str) -> http::Call {
        self.server.call(method, path)
    }

    pub fn get(&self, key: &str, path: &str) -> Reply {
        self.call("GET", path).key(key).send()
    }

    pub fn post(&self, key: &str, path: &str, body: &Value) -> Reply {
        self.call("POST", path).key(key).json(body).send()
    }
}
