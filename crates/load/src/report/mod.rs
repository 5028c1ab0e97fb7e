//! The results of a whole invocation: JSON for machines, markdown tables
//! for the performance report.

mod format;
mod rounds;
mod sections;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::database::Backend;
use crate::scenarios::Scenario;
use crate::server::Memory;
use crate::stats::Summary;

/// One scenario on one backend with one client count.
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    pub scenario: Scenario,
    pub backend: Backend,
    /// Concurrent clients.
    pub clients: usize,
    /// Which round of booking and its baselines (`--rounds`); 1 for
    /// every other scenario.
    pub round: usize,
    /// The measured window, seconds.
    pub measured_seconds: f64,
    /// The headline operation (all operations merged for `mixed`).
    pub headline: Summary,
    pub ops: BTreeMap<String, Summary>,
    /// The server's memory.
    pub memory: Memory,
    /// Seconds spent creating clinics, patients and seed bookings.
    pub setup_seconds: f64,
    /// Clients that had to stop before the end (out of patients).
    pub stopped_early: usize,
    /// What the server logged (it logs errors only), first lines.
    pub server_log: Vec<String>,
    /// How many lines it logged.
    pub server_log_lines: usize,
}

/// Which booking transaction a baseline ran without HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transaction {
    /// Chairside's own: the statements the server sends for one booking.
    Own,
    /// The minimal one (`crates/load/minimal/`): a course, six sessions
    /// through both exclusion constraints, one outbox and one audit row.
    /// The database's limit.
    Minimal,
}

impl Transaction {
    pub fn name(self) -> &'static str {
        match self {
            Transaction::Own => "own",
            Transaction::Minimal => "minimal",
        }
    }
}

/// A booking transaction without HTTP: the database alone.
#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    pub backend: Backend,
    pub transaction: Transaction,
    /// Concurrent clients (connections).
    pub clients: usize,
    /// The round it ran in, right after the same round's HTTP booking.
    pub round: usize,
    /// How it was driven.
    pub how: String,
    /// Committed booking transactions per second.
    pub courses_per_second: f64,
    /// Committed transactions in the measured window.
    pub transactions: u64,
    pub failed: u64,
    pub mean_ms: Option<f64>,
    /// Median latency, ms (when every latency is known).
    pub p50_ms: Option<f64>,
    /// 99th percentile, ms (when every latency is known).
    pub p99_ms: Option<f64>,
}

/// Read latency with a given number of sessions stored.
#[derive(Debug, Clone, Serialize)]
pub struct ScaleResult {
    pub backend: Backend,
    /// Sessions stored.
    pub sessions: u64,
    /// Seconds the SQL seeding up to this size took (this step only).
    pub seed_seconds: f64,
    /// Database size on disk.
    pub database_bytes: Option<u64>,
    pub endpoint: String,
    /// Concurrent clients.
    pub clients: usize,
    pub summary: Summary,
    /// The server's memory.
    pub memory: Memory,
}

/// Everything one invocation measured.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    /// When it started (UTC, RFC 3339).
    pub started_at: String,
    /// How it was run.
    pub settings: BTreeMap<String, String>,
    /// The HTTP runs.
    pub runs: Vec<RunResult>,
    /// The database-alone runs.
    pub baselines: Vec<Baseline>,
    pub scale: Vec<ScaleResult>,
    pub notes: Vec<String>,
}

impl Report {
    fn run(&self, scenario: Scenario, backend: Backend, clients: usize) -> Option<&RunResult> {
        self.runs
            .iter()
            .find(|r| r.scenario == scenario && r.backend == backend && r.clients == clients)
    }

    /// A setting as the report shows it (`?` if it was not recorded).
    fn setting(&self, key: &str) -> &str {
        self.settings.get(key).map(String::as_str).unwrap_or("?")
    }

    pub fn markdown(&self) -> String {
        let mut out = String::new();
        self.run_line(&mut out);
        self.http_section(&mut out);
        self.booking_section(&mut out);
        self.reads_section(&mut out);
        self.mixed_section(&mut out);
        self.memory_section(&mut out);
        self.scale_section(&mut out);
        self.problems_section(&mut out);
        self.notes_section(&mut out);
        out
    }
}
