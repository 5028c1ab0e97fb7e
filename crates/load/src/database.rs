//! A scratch database per run: a fresh SQLite data directory, or a fresh
//! PostgreSQL database (`chairside_load_*`, created and dropped here), and
//! plain SQL against it for seeding (psql for PostgreSQL, the C API for
//! SQLite).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use serde::Serialize;

use crate::sqlite;

/// Which database the server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// The embedded SQLite file.
    Sqlite,
    Postgres,
}

impl Backend {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A database of its own for one run; removed when dropped.
pub struct Scratch {
    pub backend: Backend,
    /// Logs, scripts, and for SQLite the data directory.
    pub dir: PathBuf,
    pg: Option<Pg>,
    keep: bool,
}

struct Pg {
    admin_url: String,
    name: String,
    url: String,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

impl Scratch {
    /// A fresh database under `root` (a directory for this run's files).
    pub fn create(
        backend: Backend,
        root: &Path,
        label: &str,
        pg_admin_url: &str,
        keep: bool,
    ) -> Result<Scratch, String> {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!(
            "chairside_load_{}_{}_{n}",
            std::process::id(),
            label.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        );
        let dir = root.join(&name);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let pg = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                psql(pg_admin_url, &format!("CREATE DATABASE {name}"))?;
                let url = match pg_admin_url.rsplit_once('/') {
                    Some((server, _)) => format!("{server}/{name}"),
                    None => {
                        return Err(format!("cannot derive a database URL from {pg_admin_url}"))
                    }
                };
                Some(Pg {
                    admin_url: pg_admin_url.to_string(),
                    name,
                    url,
                })
            }
        };
        Ok(Scratch {
            backend,
            dir,
            pg,
            keep,
        })
    }

    /// The SQLite data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The SQLite file the server uses (its default name in the data dir).
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir().join("chairside.sqlite")
    }

    /// The PostgreSQL URL of this database.
    pub fn pg_url(&self) -> Option<&str> {
        self.pg.as_ref().map(|p| p.url.as_str())
    }

    /// Points a `chairside` command at this database, and only at it.
    pub fn configure(&self, command: &mut Command) {
        command.env_remove("DATABASE_URL");
        match &self.pg {
            Some(pg) => {
                command.env("DATABASE_URL", &pg.url);
            }
            None => {
                command.env("CHAIRSIDE_DATA_DIR", self.data_dir());
            }
        }
    }

    /// Runs SQL written for this backend: through psql on PostgreSQL (one
    /// session, stopping at the first error), through the C API on SQLite.
    pub fn exec(&self, sql: &str) -> Result<(), String> {
        match &self.pg {
            Some(p) => psql(&p.url, sql).map(drop),
            None => {
                let db = sqlite::Db::open(&self.sqlite_path().display().to_string())?;
                db.exec(sql)
            }
        }
    }

    /// The first column of the first row of a query, as text.
    pub fn query(&self, sql: &str) -> Result<String, String> {
        match &self.pg {
            Some(p) => psql(&p.url, sql).map(|s| s.trim().to_string()),
            None => {
                let db = sqlite::Db::open(&self.sqlite_path().display().to_string())?;
                Ok(db.query_text(sql, &[])?.unwrap_or_default())
            }
        }
    }

    /// Bytes the database takes on disk (SQLite: file plus WAL).
    pub fn size_bytes(&self) -> Option<u64> {
        match &self.pg {
            Some(p) => self
                .query(&format!("SELECT pg_database_size('{}')", p.name))
                .ok()?
                .parse()
                .ok(),
            None => {
                let file = |suffix: &str| {
                    std::fs::metadata(format!("{}{suffix}", self.sqlite_path().display()))
                        .map(|m| m.len())
                        .unwrap_or(0)
                };
                Some(file("") + file("-wal"))
            }
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("kept {}", self.dir.display());
            if let Some(pg) = &self.pg {
                eprintln!("kept database {}", pg.url);
            }
            return;
        }
        if let Some(pg) = &self.pg {
            if let Err(e) = psql(
                &pg.admin_url,
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", pg.name),
            ) {
                eprintln!("warning: could not drop {}: {e}", pg.name);
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs SQL through psql (`-X`: no psqlrc; unaligned, tuples only),
/// returning what it prints.
pub fn psql(url: &str, sql: &str) -> Result<String, String> {
    let mut child = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url,
            "-f",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run psql (is it installed?): {e}"))?;
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(sql.as_bytes())
        .map_err(|e| format!("psql: {e}"))?;
    let out = child.wait_with_output().map_err(|e| format!("psql: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "psql failed: {}\n  in: {}",
            String::from_utf8_lossy(&out.stderr).trim(),
            sql.trim().lines().next().unwrap_or("")
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
