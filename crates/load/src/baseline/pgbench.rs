//! pgbench running the HTTP booking's statements (`sql/http-booking.pgbench.sql`).

use std::process::Command;

use chrono::NaiveDateTime;

use super::{Ids, COURSE_PAYLOAD, RESPONSE_BODY, SESSION_PAYLOAD};
use crate::database::{Backend, Scratch};
use crate::report::Baseline;
use crate::runner::Limit;
use crate::world::IV_BOOSTER_POLICY;
use crate::Context;

const TEMPLATE: &str = include_str!("../../sql/http-booking.pgbench.sql");

/// Bookings of the measured run are numbered from here, after the warm-up's.
const MEASURED_FROM: i64 = 100_000;

/// The script with this run's ids and the payloads filled in.
pub fn script(ids: &Ids, base: NaiveDateTime) -> String {
    let quote = |s: &str| s.replace('\'', "''");
    // An E'' literal with every colon escaped: pgbench reads ":00" inside
    // a literal as a variable.
    let literal = |s: &str| format!("E'{}'", quote(s).replace(':', "\\x3a"));
    let mut sql = TEMPLATE.to_string();
    for (name, value) in [
        ("clinics", ids.clinics.to_string()),
        ("clinic0", ids.clinic0.to_string()),
        ("chairs", ids.chairs.to_string()),
        ("chair0", ids.chair0.to_string()),
        ("lanes", ids.lanes.to_string()),
        ("pool", ids.pool.to_string()),
        ("patient0", crate::world::PATIENT_ID_BASE.to_string()),
        ("protocol0", ids.protocol0.to_string()),
        ("version0", ids.version0.to_string()),
        ("protocol_step", ids.protocol_step.to_string()),
        ("key0", ids.key0.to_string()),
        ("prefix", quote(&ids.prefix)),
        (
            "base",
            format!(
                "{}::timestamp",
                literal(&base.format("%Y-%m-%d %H:%M:%S").to_string())
            ),
        ),
        ("booster_policy", literal(IV_BOOSTER_POLICY)),
        // Payloads last: they contain braces of their own.
        ("course_payload", literal(COURSE_PAYLOAD)),
        ("session_payload", literal(SESSION_PAYLOAD)),
        ("response_body", literal(RESPONSE_BODY)),
    ] {
        sql = sql.replace(&format!("{{{name}}}"), &value);
    }
    sql
}

/// What pgbench printed, read.
#[derive(Debug, Default, PartialEq)]
pub struct Output {
    /// Committed transactions.
    pub transactions: u64,
    /// Failed transactions.
    pub failed: u64,
    /// Mean latency, ms.
    pub latency_ms: Option<f64>,
    /// Transactions per second, without connection time.
    pub tps: f64,
}

/// Reads pgbench's summary.
pub fn parse(text: &str) -> Result<Output, String> {
    if text.contains("Run was aborted") || text.contains("aborted in command") {
        return Err(format!("pgbench aborted:\n{text}"));
    }
    let mut out = Output::default();
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("number of transactions actually processed:") {
            out.transactions = rest
                .trim()
                .split('/')
                .next()
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(0);
        } else if let Some(rest) = line.strip_prefix("number of failed transactions:") {
            out.failed = rest
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
        } else if let Some(rest) = line.strip_prefix("latency average =") {
            out.latency_ms = rest.split_whitespace().next().and_then(|n| n.parse().ok());
        } else if let Some(rest) = line.strip_prefix("tps =") {
            out.tps = rest
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("cannot read {line:?}"))?;
        }
    }
    if out.tps == 0.0 && out.transactions == 0 {
        return Err(format!("no pgbench summary in:\n{text}"));
    }
    Ok(out)
}

fn pgbench(
    url: &str,
    script: &str,
    clients: usize,
    start_at: i64,
    how_long: &[String],
) -> Result<Output, String> {
    let threads = clients.min(
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
    );
    let out = Command::new("pgbench")
        .args(["-n", "-M", "prepared", "-f", script])
        .args(["-c", &clients.to_string(), "-j", &threads.to_string()])
        .args(["-D", &format!("n={start_at}")])
        .args(how_long)
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run pgbench (is it installed?): {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        return Err(format!("pgbench failed ({}):\n{text}", out.status));
    }
    parse(&text)
}

/// Warm-up, then the measured run.
pub fn run(
    ctx: &Context,
    scratch: &Scratch,
    ids: &Ids,
    base: NaiveDateTime,
    clients: usize,
) -> Result<crate::report::Baseline, String> {
    let url = scratch.pg_url().ok_or("pgbench needs PostgreSQL")?;
    let path = scratch.dir.join("http-booking.pgbench.sql");
    std::fs::write(&path, script(ids, base)).map_err(|e| format!("{}: {e}", path.display()))?;
    let path = path.display().to_string();
    let seconds = |d: std::time::Duration| vec!["-T".to_string(), d.as_secs().max(1).to_string()];
    if !ctx.warmup.is_zero() {
        pgbench(url, &path, clients, 0, &seconds(ctx.warmup))?;
    }
    let how_long = match ctx.limit {
        // pgbench counts transactions per client.
        Limit::Operations(n) => vec!["-t".into(), (n / clients as u64).max(1).to_string()],
        Limit::Duration(d) => seconds(d),
    };
    let out = pgbench(url, &path, clients, MEASURED_FROM, &how_long)?;
    Ok(Baseline {
        backend: Backend::Postgres,
        clients,
        how: "pgbench -M prepared".into(),
        courses_per_second: out.tps,
        transactions: out.transactions,
        failed: out.failed,
        mean_ms: out.latency_ms,
        p50_ms: None,
        p99_ms: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_summary() {
        let text = "transaction type: x.sql\nnumber of clients: 8\n\
                    number of transactions actually processed: 4021\n\
                    number of failed transactions: 0 (0.000%)\n\
                    latency average = 19.905 ms\ninitial connection time = 12.3 ms\n\
                    tps = 401.905337 (without initial connection time)\n";
        assert_eq!(
            parse(text),
            Ok(Output {
                transactions: 4021,
                failed: 0,
                latency_ms: Some(19.905),
                tps: 401.905337
            })
        );
        assert!(
            parse("pgbench: error: Run was aborted; the above results are incomplete.").is_err()
        );
        assert!(parse("nothing useful").is_err());
    }

    #[test]
    fn every_placeholder_is_filled() {
        let ids = Ids {
            clinics: 8,
            chairs: 6,
            clinic0: 1,
            chair0: 1,
            protocol0: 1,
            version0: 1,
            protocol_step: 2,
            key0: 2,
            prefix: "abc".into(),
            pool: 1000,
            lanes: 4,
        };
        let base = chrono::NaiveDate::from_ymd_opt(2030, 1, 7)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let sql = script(&ids, base);
        for left in [
            "{clinics}",
            "{clinic0}",
            "{chairs}",
            "{chair0}",
            "{lanes}",
            "{pool}",
            "{patient0}",
            "{protocol0}",
            "{version0}",
            "{protocol_step}",
            "{key0}",
            "{prefix}",
            "{base}",
            "{booster_policy}",
            "{course_payload}",
            "{session_payload}",
            "{response_body}",
        ] {
            assert!(!sql.contains(left), "{left} left in the script");
        }
        assert!(sql.contains(r"E'2030-01-07 12\x3a00\x3a00'::timestamp"));
        // pgbench would take ":00" in a literal for a variable.
        for line in sql.lines().filter(|l| !l.starts_with("--")) {
            let digit_after_colon = line
                .split(':')
                .skip(1)
                .any(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
            assert!(!digit_after_colon, "a colon before a digit in {line}");
        }
        assert_eq!(sql.matches("'session.booked'").count(), 6);
    }
}
