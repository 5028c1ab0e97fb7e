//! The report's tables, from hand-made results.

use std::collections::BTreeMap;

use super::format::{mib, millis, percent, rate};
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
        round: 1,
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

fn pgbench(clients: usize, courses_per_second: f64) -> Baseline {
    Baseline {
        backend: Backend::Postgres,
        transaction: Transaction::Own,
        clients,
        round: 1,
        how: "pgbench -M prepared".into(),
        courses_per_second,
        transactions: (courses_per_second * 10.0) as u64,
        failed: 0,
        mean_ms: Some(20.0),
        p50_ms: None,
        p99_ms: None,
    }
}

/// PostgreSQL with 8 clients: booking at 300/s over HTTP, 400/s alone (and
/// 500/s alone with 32), reads against /healthz; one SQLite baseline.
fn postgres_at_8_clients() -> Report {
    Report {
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
            pgbench(8, 400.0),
            Baseline {
                transaction: Transaction::Minimal,
                ..pgbench(8, 1000.0)
            },
            pgbench(32, 500.0),
            Baseline {
                backend: Backend::Sqlite,
                how: "C API loop".into(),
                mean_ms: None,
                ..pgbench(8, 900.0)
            },
        ],
        ..Report::default()
    }
}

/// Asserts that the sample report's markdown holds `text`.
fn assert_shows(text: &str) {
    let md = postgres_at_8_clients().markdown();
    assert!(md.contains(text), "{md}");
}

#[test]
fn each_http_run_is_a_row() {
    assert_shows("| book | postgres | 8 | 3000 | 300 | 20.0 | 80.0 | 160.0 | 0 | 40 |");
}

#[test]
fn booking_is_shown_as_a_fraction_of_both_baselines() {
    // 300 of 400 for the own transaction at 8 clients; 300 of 1000, the limit.
    assert_shows("| postgres | 8 | 300 | 400 | 1000 | 75 % | 30 % |");
}

#[test]
fn a_baseline_without_an_http_run_says_so() {
    assert_shows("| postgres | 32 | – | 500 | – | – | – |");
}

#[test]
fn how_each_baseline_ran_is_named() {
    assert_shows("postgres own: pgbench -M prepared; postgres minimal: pgbench -M prepared");
}

#[test]
fn reads_are_shown_as_a_fraction_of_healthz() {
    assert_shows("| postgres | 8 | 9000 | – | 3000 (33 %) |");
}

#[test]
fn memory_peak_is_the_largest_high_water_mark() {
    assert_shows("Peak: 41 MiB (VmHWM");
}

#[test]
fn no_failures_no_failure_section() {
    let md = postgres_at_8_clients().markdown();
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

/// Booking at 8 clients on PostgreSQL in three rounds: HTTP 300, 330, 280
/// courses/s against limits of 1000, 500, 700 — the limit moved more than
/// booking did.
fn three_rounds() -> Report {
    let mut report = Report::default();
    for (round, (http, limit)) in [(300.0, 1000.0), (330.0, 500.0), (280.0, 700.0)]
        .into_iter()
        .enumerate()
    {
        let round = round + 1;
        report.runs.push(RunResult {
            round,
            ..run(
                Scenario::Book,
                Backend::Postgres,
                8,
                summary(3000, http, 20.0, 80.0),
            )
        });
        report.baselines.push(Baseline {
            round,
            ..pgbench(8, 600.0)
        });
        report.baselines.push(Baseline {
            round,
            transaction: Transaction::Minimal,
            ..pgbench(8, limit)
        });
    }
    report
}

#[test]
fn rounds_are_compared_within_each_round_and_the_median_shown() {
    let md = three_rounds().markdown();
    // Ratios by round: 30 %, 66 %, 40 % — the median is 40 %, not the
    // ratio of the medians (300 / 700 = 43 %); courses/s are medians.
    assert!(
        md.contains("| postgres | 8 | 300 | 600 | 700 | 50 % | 40 % | 30 % · 66 % · 40 % |"),
        "{md}"
    );
    assert!(md.contains("In 3 rounds"), "{md}");
    assert!(md.contains("| book (round 2) | postgres | 8 |"), "{md}");
}

#[test]
fn one_round_keeps_the_table_as_it_was() {
    let md = postgres_at_8_clients().markdown();
    assert!(!md.contains("by round") && !md.contains("rounds,"), "{md}");
}

#[test]
fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
    assert_eq!(super::rounds::median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    assert_eq!(super::rounds::median(&[]), None);
}
