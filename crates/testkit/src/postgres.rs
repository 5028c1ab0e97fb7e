//! PostgreSQL for tests: the server `TEST_DATABASE_URL` names, a template
//! database with the migrations applied, and a database per test cloned
//! from it.
//!
//! The template is `chairside_template_<hash>`, the hash taken over the
//! files of `migrations/postgres`: built once (by the first test process
//! that needs it, under an advisory lock, so that processes racing to
//! build it wait for the first), then reused by every later run until the
//! migrations change. Each test's database is
//! `CREATE DATABASE chairside_test_<random> TEMPLATE chairside_template_<hash>`,
//! dropped when the test ends. Templates of older migrations are left in
//! place (a branch checked out beside this one may still use them); drop
//! them by hand with `ALTER DATABASE … IS_TEMPLATE false` and `DROP DATABASE`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::unique::unique_suffix;

/// How to run the PostgreSQL tests, for the message of one run without.
const HOW: &str = "set TEST_DATABASE_URL to a PostgreSQL server where the tests may \
    create databases, e.g. \
    `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo test -- --include-ignored`";

/// The PostgreSQL server `TEST_DATABASE_URL` names, if it is set.
pub fn admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// The PostgreSQL server `TEST_DATABASE_URL` names; a test that needs it
/// fails here, saying how to set it, when it is not set.
#[track_caller]
pub fn require() -> String {
    match admin_url() {
        Some(url) => url,
        None => panic!("this test needs PostgreSQL: {HOW}"),
    }
}

/// A database of a test's own, cloned from the template; dropped (its
/// connections closed by force) when this is dropped, also on panic.
pub(crate) struct Database {
    admin_url: String,
    name: String,
    /// The URL to connect to it.
    pub(crate) url: String,
}

impl Database {
    pub(crate) fn create(admin_url: &str) -> Database {
        let template = template(admin_url);
        let name = format!("chairside_test_{}", unique_suffix());
        let mut admin = connect(admin_url);
        // Cloning waits (up to 5 s) for connections to the template to
        // end, and fails if one lasts longer: try again then.
        let mut attempt = 0;
        while let Err(e) =
            admin.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
        {
            attempt += 1;
            assert!(attempt < 5, "create {name} from {template}: {e}");
            std::thread::sleep(Duration::from_millis(200 * attempt));
        }
        Database {
            admin_url: admin_url.to_string(),
            url: with_database(admin_url, &name),
            name,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        // The server may be busy (every connection taken by tests running
        // beside this one): try a few times before leaving it behind.
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        for attempt in 1..=10 {
            let dropped = PgConnection::establish(&self.admin_url)
                .is_ok_and(|mut admin| admin.batch_execute(&drop).is_ok());
            if dropped {
                return;
            }
            std::thread::sleep(Duration::from_millis(100 * attempt));
        }
        eprintln!("could not drop the test database {}", self.name);
    }
}

fn connect(admin_url: &str) -> PgConnection {
    PgConnection::establish(admin_url).unwrap_or_else(|e| panic!("connect to {admin_url}: {e}"))
}

/// The migrations the template is built from.
fn migrations_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres")
}

/// `chairside_template_` and 16 hexadecimal digits of the SHA-256 of the
/// PostgreSQL migration files (their paths and contents).
pub fn template_name() -> String {
    fn files(dir: &Path, found: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read the migrations in {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a migration directory entry").path();
            if path.is_dir() {
                files(&path, found);
            } else {
                found.push(path);
            }
        }
    }
    let root = migrations_dir();
    let mut found = Vec::new();
    files(&root, &mut found);
    found.sort();
    let mut text = String::new();
    for path in found {
        let relative = path.strip_prefix(&root).unwrap_or(&path);
        text.push_str(&relative.display().to_string());
        text.push('\0');
        text.push_str(
            &std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("read {}: {e}", path.display())),
        );
        text.push('\0');
    }
    format!(
        "chairside_template_{}",
        &chairside_store::sha256_hex(&text)[..16]
    )
}

/// The advisory lock held while a template is checked and built
/// ("chairtpl" in ASCII; the binary's migration lock is another).
const TEMPLATE_LOCK: i64 = 0x6368_6169_7274_706c;

#[derive(diesel::QueryableByName)]
struct IsTemplate {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    datistemplate: bool,
}

/// The name of the migrated template on the server at `admin_url`,
/// built first if this is the first test to need it.
fn template(admin_url: &str) -> String {
    // The servers whose template this process has seen ready.
    static READY: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let name = template_name();
    // Held while building: the other tests of this process wait here, and
    // other processes on the advisory lock.
    let mut ready = READY.lock().unwrap_or_else(|e| e.into_inner());
    let ready = ready.get_or_insert_with(HashSet::new);
    if ready.contains(admin_url) {
        return name;
    }
    let mut admin = connect(admin_url);
    admin
        .batch_execute(&format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})"))
        .expect("take the template lock");
    let found = diesel::sql_query(format!(
        "SELECT datistemplate FROM pg_database WHERE datname = '{name}'"
    ))
    .load::<IsTemplate>(&mut admin)
    .expect("look for the template");
    match found.first().map(|t| t.datistemplate) {
        Some(true) => {}
        built_in_part => {
            if built_in_part.is_some() {
                // A run that died while building it left it half made.
                admin
                    .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
                    .expect("drop a half-built template");
            }
            build(&mut admin, admin_url, &name);
        }
    }
    admin
        .batch_execute(&format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})"))
        .expect("release the template lock");
    ready.insert(admin_url.to_string());
    name
}

/// Creates the template and migrates it the way the binary does; only
/// then marks it a template, which no one may connect to any more.
fn build(admin: &mut PgConnection, admin_url: &str, name: &str) {
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("create the template {name}: {e}"));
    let store = chairside_store::Store::open(
        &chairside_store::StoreConfig::new(with_database(admin_url, name)).pool_size(1),
    )
    .expect("open the template");
    store.run_migrations().expect("migrate the template");
    drop(store);
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true"
        ))
        .unwrap_or_else(|e| panic!("mark {name} a template: {e}"));
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}
