//! A database of its own for each test: a SQLite data directory, or a
//! PostgreSQL database created for the test (when `TEST_DATABASE_URL` is set)
//! and dropped when the test ends, also on panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// A fresh, empty database and a scratch directory for server logs.
pub struct TestDb {
    /// What the server is told: the SQLite data directory, or the
    /// PostgreSQL URL.
    location: Location,
    /// Logs and (for SQLite) the database file live here.
    pub scratch: PathBuf,
}

enum Location {
    SqliteDir(PathBuf),
    Postgres {
        url: String,
        admin_url: String,
        name: String,
    },
}

/// A name no other test (or test run) uses.
pub fn unique_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    format!("{:016x}", hasher.finish())
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chairside_e2e_{}", unique_suffix()));
    std::fs::create_dir_all(&dir).expect("create the test's scratch directory");
    // The clinic's clock starts at the real now; a test moves it forward.
    super::clock::write(&dir.join("clock"), chrono::Utc::now());
    dir
}

/// The PostgreSQL server to create test databases on, if any.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

impl TestDb {
    /// An empty SQLite data directory.
    pub fn sqlite() -> TestDb {
        let scratch = scratch_dir();
        let data = scratch.join("data");
        TestDb {
            location: Location::SqliteDir(data),
            scratch,
        }
    }

    /// A new PostgreSQL database, or `None` without `TEST_DATABASE_URL`.
    pub fn postgres() -> Option<TestDb> {
        Some(TestDb::postgres_on(&postgres_admin_url()?))
    }

    /// A new database on the PostgreSQL server at `admin_url` (e.g. a
    /// private cluster a test starts and stops itself).
    pub fn postgres_on(admin_url: &str) -> TestDb {
        let admin_url = admin_url.to_string();
        let name = format!("chairside_e2e_{}", unique_suffix());
        let mut admin = PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("connect to {admin_url}: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the test database");
        TestDb {
            location: Location::Postgres {
                url: with_database(&admin_url, &name),
                admin_url,
                name,
            },
            scratch: scratch_dir(),
        }
    }

    /// The file every server of this database reads the clinic's *now* from.
    pub fn clock_file(&self) -> PathBuf {
        self.scratch.join("clock")
    }

    /// The `chairside` binary, pointed at this database and nothing else
    /// from the environment.
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_chairside"));
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            if key.starts_with("CHAIRSIDE_") || key == "DATABASE_URL" {
                command.env_remove(key);
            }
        }
        match &self.location {
            Location::SqliteDir(dir) => {
                command.env("CHAIRSIDE_DATA_DIR", dir);
            }
            Location::Postgres { url, .. } => {
                command.env("DATABASE_URL", url);
            }
        }
        command.env("CHAIRSIDE_POOL_SIZE", "8");
        // The clinic's clock: the instant in this file (see `clock.rs`).
        command.env("CHAIRSIDE_CLOCK_FILE", self.clock_file());
        // Load and race tests send hundreds of requests with one key; a test
        // of the limit itself sets it again (`Server::start_with`).
        command.env("CHAIRSIDE_RATE_LIMIT_PER_MINUTE", "0");
        command
    }

    /// Runs `chairside api-key create` with these arguments.
    pub fn api_key_create(&self, args: &[&str]) -> Output {
        self.command()
            .args(["api-key", "create"])
            .args(args)
            .output()
            .expect("run chairside api-key create")
    }

    /// A new API key with the role (as the documentation spells it:
    /// `admin`, `clinician`, `front_desk`, `integration`), optionally scoped
    /// to one clinic.
    pub fn create_key(&self, role: &str, clinic: Option<i64>) -> String {
        let clinic = clinic.map(|c| c.to_string());
        let mut args = vec!["--role", role];
        if let Some(clinic) = &clinic {
            args.extend(["--clinic", clinic.as_str()]);
        }
        let output = self.api_key_create(&args);
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

    /// A direct connection to the database, for checks the API cannot make.
    pub fn store(&self) -> chairside_store::Store {
        let url = match &self.location {
            Location::SqliteDir(dir) => sqlite_file(dir).display().to_string(),
            Location::Postgres { url, .. } => url.clone(),
        };
        chairside_store::Store::open(&chairside_store::StoreConfig::new(url).pool_size(1))
            .expect("open the test database")
    }
}

fn sqlite_file(dir: &Path) -> PathBuf {
    dir.join("chairside.sqlite")
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Location::Postgres {
            admin_url, name, ..
        } = &self.location
        {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
        // A failing test has already printed the server's log.
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
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

/// Pairs of live sessions that overlap on one chair or for one patient,
/// counted by a plain self-join: the invariant the database must guard.
pub fn overlapping_live_pairs(store: &chairside_store::Store) -> i64 {
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let live = "('booked', 'checked_in', 'completed', 'not_dosed')";
    let sql = format!(
        "SELECT COUNT(*) AS n FROM sessions a JOIN sessions b \
           ON a.clinic_id = b.clinic_id AND a.id < b.id \
          AND (a.chair_id = b.chair_id OR a.patient_id = b.patient_id) \
          AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at \
        WHERE a.status IN {live} AND b.status IN {live}"
    );
    store
        .read(|conn| {
            diesel::sql_query(sql)
                .get_result::<Count>(conn)
                .map_err(chairside_store::StoreError::from)
        })
        .expect("count overlapping sessions")
        .n
}
