//! Fresh databases for each configuration, removed afterwards.

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// A fresh SQLite file, removed afterwards.
pub struct TempSqlite {
    pub path: String,
}

impl TempSqlite {
    pub fn new() -> TempSqlite {
        let path = std::env::temp_dir().join(format!("{}.sqlite", unique_name()));
        TempSqlite {
            path: path.to_string_lossy().into_owned(),
        }
    }
}

impl Drop for TempSqlite {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path));
        }
    }
}

/// A scratch PostgreSQL database, dropped afterwards.
pub struct ScratchPg {
    admin_url: String,
    name: String,
    pub url: String,
}

impl ScratchPg {
    pub fn new(admin_url: &str) -> ScratchPg {
        let name = unique_name();
        let mut admin = PgConnection::establish(admin_url).expect("connect");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        let base = admin_url.split('?').next().unwrap_or(admin_url);
        let cut = base
            .rfind('/')
            .filter(|&i| i > base.find("://").map_or(0, |s| s + 2))
            .unwrap_or(base.len());
        let url = format!("{}/{name}", &base[..cut]);
        ScratchPg {
            admin_url: admin_url.to_owned(),
            name,
            url,
        }
    }
}

impl Drop for ScratchPg {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `chairside_bench_` and 12 random hex digits.
fn unique_name() -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).expect("randomness");
    let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("chairside_bench_{suffix}")
}
