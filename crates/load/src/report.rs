//! The results of a whole invocation: JSON for machines, markdown tables
//! for the performance report.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::database::Backend;
use crate::scenarios::Scenario;
use crate::server::Memory;
use crate::stats::Summary;

/// One scenario on one backend with one client count.
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    /// The workload.
    pub scenario: Scenario,
    /// The database.
    pub backend: Backend,
    /// Concurrent clients.
    pub clients: usize,
    /// The measured window, seconds.
    pub measured_seconds: f64,
    /// The headline operation (all operations merged for `mixed`).
    pub headline: Summary,
    /// Every operation.
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

/// The booking transaction without HTTP: the database alone.
#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    /// The database.
    pub backend: Backend,
    /// Concurrent clients (connections).
    pub clients: usize,
    /// How it was driven.
    pub how: String,
    /// Committed booking transactions per second.
    pub courses_per_second: f64,
    /// Committed transactions in the measured window.
    pub transactions: u64,
    /// Failed transactions.
    pub failed: u64,
    /// Mean latency, ms.
    pub mean_ms: Option<f64>,
    /// Median latency, ms (when every latency is known).
    pub p50_ms: Option<f64>,
    /// 99th percentile, ms (when every latency is known).
    pub p99_ms: Option<f64>,
}

/// Read latency with a given number of sessions stored.
#[derive(Debug, Clone, Serialize)]
pub struct ScaleResult {
    /// The database.
    pub backend: Backend,
    /// Sessions stored.
    pub sessions: u64,
    /// Seconds the SQL seeding up to this size took (this step only).
    pub seed_seconds: f64,
    /// Database size on disk.
    pub database_bytes: Option<u64>,
    /// The endpoint.
    pub endpoint: String,
    /// Concurrent clients.
    pub clients: usize,
    /// Its figures.
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
    /// The scale runs.
    pub scale: Vec<ScaleResult>,
    /// Anything worth knowing.
    pub notes: Vec<String>,
}

fn rate(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn millis(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) if v < 10.0 => format!("{v:.2}"),
        Some(v) => format!("{v:.1}"),
    }
}

fn mib(kib: u64) -> String {
    if kib == 0 {
        "–".into()
    } else {
        format!("{:.0}", kib as f64 / 1024.0)
    }
}

fn percent(part: f64, whole: f64) -> String {
    if whole > 0.0 {
        format!("{:.0} %", 100.0 * part / whole)
    } else {
        "–".into()
    }
}

fn statuses(s: &Summary) -> String {
    let failed: Vec<String> = s
        .statuses
        .iter()
        .filter(|(code, _)| !code.starts_with('2'))
        .map(|(code, n)| format!("{n}×{code}"))
        .chain((s.transport_errors > 0).then(|| format!("{}×transport", s.transport_errors)))
        .collect();
    if failed.is_empty() {
        "0".into()
    } else {
        failed.join(", ")
    }
}

impl Report {
    fn run(&self, scenario: Scenario, backend: Backend, clients: usize) -> Option<&RunResult> {
        self.runs
            .iter()
            .find(|r| r.scenario == scenario && r.backend == backend && r.clients == clients)
    }

    /// The report as markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let setting = |k: &str| self.settings.get(k).map(String::as_str).unwrap_or("?");
        if self.settings.contains_key("cores") {
            let _ = writeln!(
                out,
                "Run {}: {} cores, load average at start {}; SQLite {}, PostgreSQL {}; \
                 server pool size {}.\n",
                self.started_at,
                setting("cores"),
                setting("load_average_at_start"),
                setting("sqlite_version"),
                setting("postgres_version"),
                setting("pool_size")
            );
        }
        if !self.runs.is_empty() {
            let _ = writeln!(
                out,
                "### HTTP throughput and latency\n\n{} s measured per run after {} s of warm-up; \
                 a fresh server and database per run; latency of 2xx responses only; \
                 peak RSS = largest VmRSS of the server sampled every 100 ms.\n",
                setting("seconds"),
                setting("warmup_seconds")
            );
            out.push_str(
                "| scenario | backend | clients | ok | ok/s | p50 ms | p99 ms | max ms | non-2xx | peak RSS MiB |\n\
                 |---|---|---:|---:|---:|---:|---:|---:|---|---:|\n",
            );
            for r in &self.runs {
                let h = &r.headline;
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    r.scenario.name(),
                    r.backend.name(),
                    r.clients,
                    h.ok,
                    rate(h.per_second),
                    millis(h.p50_ms),
                    millis(h.p99_ms),
                    millis(h.max_ms),
                    statuses(h),
                    mib(r.memory.peak_rss_kib)
                );
            }
        }
        self.booking_section(&mut out);
        self.reads_section(&mut out);
        self.mixed_section(&mut out);
        self.memory_section(&mut out);
        self.scale_section(&mut out);
        self.problems_section(&mut out);
        if !self.notes.is_empty() {
            out.push_str("\n### Notes\n\n");
            for note in &self.notes {
                let _ = writeln!(out, "- {note}");
            }
        }
        out
    }

    fn booking_section(&self, out: &mut String) {
        if self.baselines.is_empty() {
            return;
        }
        out.push_str(
            "\n### Booking through HTTP vs the database alone\n\n\
             The same transaction (statements, order, rows) run directly: pgbench on \
             PostgreSQL, a C-API loop on SQLite. *Best alone* is the database's best rate \
             at any client count measured (more connections than the server's pool can \
             be slower, not faster).\n\n\
             | backend | clients | HTTP courses/s | alone courses/s | how | HTTP / alone | HTTP / best alone |\n\
             |---|---:|---:|---:|---|---:|---:|\n",
        );
        for b in &self.baselines {
            let best = self
                .baselines
                .iter()
                .filter(|x| x.backend == b.backend)
                .map(|x| x.courses_per_second)
                .fold(0.0, f64::max);
            let http = self
                .run(Scenario::Book, b.backend, b.clients)
                .map(|r| r.headline.per_second);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                b.backend.name(),
                b.clients,
                http.map(rate).unwrap_or_else(|| "–".into()),
                rate(b.courses_per_second),
                b.how,
                http.map(|h| percent(h, b.courses_per_second))
                    .unwrap_or_else(|| "–".into()),
                http.map(|h| percent(h, best)).unwrap_or_else(|| "–".into())
            );
        }
    }

    fn reads_section(&self, out: &mut String) {
        let mut rows = Vec::new();
        for r in self.runs.iter().filter(|r| r.scenario == Scenario::Healthz) {
            let floor = r.headline.per_second;
            let of = |s: Scenario| {
                self.run(s, r.backend, r.clients)
                    .map(|x| {
                        format!(
                            "{} ({})",
                            rate(x.headline.per_second),
                            percent(x.headline.per_second, floor)
                        )
                    })
                    .unwrap_or_else(|| "–".into())
            };
            rows.push(format!(
                "| {} | {} | {} | {} | {} |",
                r.backend.name(),
                r.clients,
                rate(floor),
                of(Scenario::Availability),
                of(Scenario::DaySheet)
            ));
        }
        if rows.is_empty() {
            return;
        }
        out.push_str(
            "\n### Reads vs the trivial endpoint\n\n\
             | backend | clients | /healthz req/s | availability req/s (of healthz) | day-sheet req/s (of healthz) |\n\
             |---|---:|---:|---:|---:|\n",
        );
        for row in rows {
            let _ = writeln!(out, "{row}");
        }
    }

    fn mixed_section(&self, out: &mut String) {
        let mixed: Vec<&RunResult> = self
            .runs
            .iter()
            .filter(|r| r.scenario == Scenario::Mixed)
            .collect();
        if mixed.is_empty() {
            return;
        }
        out.push_str(
            "\n### Mixed front-desk day, per operation\n\n\
             | backend | clients | operation | ok | ok/s | p50 ms | p99 ms | non-2xx |\n\
             |---|---:|---|---:|---:|---:|---:|---|\n",
        );
        for r in mixed {
            for (name, s) in &r.ops {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} | {} |",
                    r.backend.name(),
                    r.clients,
                    name,
                    s.ok,
                    rate(s.per_second),
                    millis(s.p50_ms),
                    millis(s.p99_ms),
                    statuses(s)
                );
            }
        }
    }

    fn memory_section(&self, out: &mut String) {
        let max_clients = self.runs.iter().map(|r| r.clients).max().unwrap_or(0);
        let top: Vec<&RunResult> = self
            .runs
            .iter()
            .filter(|r| r.clients == max_clients && r.memory.samples > 0)
            .collect();
        if top.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n### Server memory at {max_clients} clients\n\n\
             | scenario | backend | peak VmRSS MiB | VmHWM MiB |\n|---|---|---:|---:|"
        );
        for r in &top {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                r.scenario.name(),
                r.backend.name(),
                mib(r.memory.peak_rss_kib),
                mib(r.memory.hwm_kib)
            );
        }
        if let Some(peak) = top.iter().max_by_key(|r| r.memory.hwm_kib) {
            let _ = writeln!(
                out,
                "\nPeak: {} MiB (VmHWM, {} on {}).",
                mib(peak.memory.hwm_kib),
                peak.scenario.name(),
                peak.backend.name()
            );
        }
    }

    fn scale_section(&self, out: &mut String) {
        if self.scale.is_empty() {
            return;
        }
        out.push_str(
            "\n### Read latency by sessions stored (one clinic, one day)\n\n\
             | backend | sessions | seeding s | database MiB | endpoint | clients | ok/s | p50 ms | p99 ms | max ms | non-2xx |\n\
             |---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|\n",
        );
        for s in &self.scale {
            let _ = writeln!(
                out,
                "| {} | {} | {:.1} | {} | {} | {} | {} | {} | {} | {} | {} |",
                s.backend.name(),
                s.sessions,
                s.seed_seconds,
                s.database_bytes
                    .map(|b| format!("{:.0}", b as f64 / 1048576.0))
                    .unwrap_or_else(|| "–".into()),
                s.endpoint,
                s.clients,
                rate(s.summary.per_second),
                millis(s.summary.p50_ms),
                millis(s.summary.p99_ms),
                millis(s.summary.max_ms),
                statuses(&s.summary)
            );
        }
    }

    fn problems_section(&self, out: &mut String) {
        let mut lines = Vec::new();
        for r in &self.runs {
            let label = format!("{} {} ×{}", r.scenario.name(), r.backend.name(), r.clients);
            for (name, s) in &r.ops {
                for sample in &s.samples {
                    lines.push(format!("{label}, {name}: {sample}"));
                }
            }
            if r.server_log_lines > 0 {
                lines.push(format!(
                    "{label}: the server logged {} line(s), first: {}",
                    r.server_log_lines,
                    r.server_log.first().map(String::as_str).unwrap_or("")
                ));
            }
            if r.stopped_early > 0 {
                lines.push(format!(
                    "{label}: {} client(s) ran out of patients",
                    r.stopped_early
                ));
            }
        }
        if lines.is_empty() {
            return;
        }
        out.push_str("\n### Failures and server log (samples)\n\n");
        for line in lines {
            let _ = writeln!(out, "- `{}`", line.replace('`', "'"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(ok: u64, per_second: f64, p50: f64, p99: f64) -> Summary {
        Summary {
            ok,
            non_2xx: 0,
            transport_errors: 0,
            per_second,
            p50_ms: Some(p50),
            p99_ms: Some(p99),
            max_ms: Some(p99 * 2.0),
            mean_ms: Some(p50),
            statuses: BTreeMap::from([("201".to_string(), ok)]),
            samples: vec![],
        }
    }

    fn run(scenario: Scenario, backend: Backend, clients: usize, s: Summary) -> RunResult {
        RunResult {
            scenario,
            backend,
            clients,
            measured_seconds: 10.0,
            ops: BTreeMap::from([("op".to_string(), s.clone())]),
            headline: s,
            memory: Memory {
                peak_rss_kib: 40 * 1024,
                hwm_kib: 41 * 1024,
                samples: 100,
            },
            setup_seconds: 1.0,
            stopped_early: 0,
            server_log: vec![],
            server_log_lines: 0,
        }
    }

    #[test]
    fn formats_numbers_for_reading() {
        assert_eq!(rate(1234.56), "1235");
        assert_eq!(rate(12.34), "12.3");
        assert_eq!(millis(Some(3.456)), "3.46");
        assert_eq!(millis(Some(123.45)), "123.5");
        assert_eq!(millis(None), "–");
        assert_eq!(percent(80.0, 100.0), "80 %");
        assert_eq!(percent(1.0, 0.0), "–");
        assert_eq!(mib(2048), "2");
    }

    #[test]
    fn booking_is_shown_as_a_fraction_of_the_database_alone() {
        let report = Report {
            settings: BTreeMap::from([
                ("seconds".to_string(), "10".to_string()),
                ("warmup_seconds".to_string(), "2".to_string()),
            ]),
            runs: vec![
                run(
                    Scenario::Book,
                    Backend::Postgres,
                    8,
                    summary(3000, 300.0, 20.0, 80.0),
                ),
                run(
                    Scenario::Healthz,
                    Backend::Postgres,
                    8,
                    summary(90000, 9000.0, 0.5, 2.0),
                ),
                run(
                    Scenario::DaySheet,
                    Backend::Postgres,
                    8,
                    summary(30000, 3000.0, 2.0, 9.0),
                ),
            ],
            baselines: vec![
                Baseline {
                    backend: Backend::Postgres,
                    clients: 8,
                    how: "pgbench -M prepared".into(),
                    courses_per_second: 400.0,
                    transactions: 4000,
                    failed: 0,
                    mean_ms: Some(20.0),
                    p50_ms: None,
                    p99_ms: None,
                },
                Baseline {
                    backend: Backend::Postgres,
                    clients: 32,
                    how: "pgbench -M prepared".into(),
                    courses_per_second: 500.0,
                    transactions: 5000,
                    failed: 0,
                    mean_ms: Some(60.0),
                    p50_ms: None,
                    p99_ms: None,
                },
                Baseline {
                    backend: Backend::Sqlite,
                    clients: 8,
                    how: "C API loop".into(),
                    courses_per_second: 900.0,
                    transactions: 9000,
                    failed: 0,
                    mean_ms: None,
                    p50_ms: None,
                    p99_ms: None,
                },
            ],
            ..Report::default()
        };
        let md = report.markdown();
        assert!(
            md.contains("| book | postgres | 8 | 3000 | 300 | 20.0 | 80.0 | 160.0 | 0 | 40 |"),
            "{md}"
        );
        assert!(
            md.contains("| postgres | 8 | 300 | 400 | pgbench -M prepared | 75 % | 60 % |"),
            "{md}"
        );
        assert!(
            md.contains("| postgres | 8 | 9000 | – | 3000 (33 %) |"),
            "{md}"
        );
        // No HTTP run at 32 clients: the row says so instead of inventing one.
        assert!(
            md.contains("| postgres | 32 | – | 500 | pgbench -M prepared | – | – |"),
            "{md}"
        );
        assert!(md.contains("Peak: 41 MiB (VmHWM"), "{md}");
        assert!(!md.contains("Failures"), "{md}");
    }

    #[test]
    fn failures_are_listed_with_their_statuses() {
        let mut s = summary(10, 1.0, 1.0, 2.0);
        s.statuses.insert("409".into(), 3);
        s.transport_errors = 1;
        s.samples = vec!["409: chair taken".into()];
        let mut r = run(Scenario::Book, Backend::Sqlite, 1, s);
        r.server_log = vec!["ERROR boom".into()];
        r.server_log_lines = 1;
        let report = Report {
            runs: vec![r],
            ..Report::default()
        };
        let md = report.markdown();
        assert!(md.contains("| 3×409, 1×transport |"), "{md}");
        assert!(
            md.contains("- `book sqlite ×1, op: 409: chair taken`"),
            "{md}"
        );
        assert!(
            md.contains("the server logged 1 line(s), first: ERROR boom"),
            "{md}"
        );
    }
}
