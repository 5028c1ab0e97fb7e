//! pgbench running the HTTP booking's statements ([`super::pgbench_script`]).

use std::process::Command;

use super::pgbench_script::script;
use super::Alone;
use crate::context::Context;
use crate::database::Backend;
use crate::report::{Baseline, Transaction};
use crate::runner::Limit;

/// Bookings of the measured run are numbered from here, after the warm-up's.
const MEASURED_FROM: i64 = 100_000;

/// What pgbench printed, read.
#[derive(Debug, Default, PartialEq)]
pub struct Output {
    /// Committed transactions.
    pub transactions: u64,
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
pub fn run(ctx: &Context, alone: &Alone) -> Result<Baseline, String> {
    let url = alone.scratch.pg_url().ok_or("pgbench needs PostgreSQL")?;
    let path = alone.scratch.dir.join("http-booking.pgbench.sql");
    std::fs::write(&path, script(alone.ids, alone.base))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let out = measure(ctx, url, &path, alone.clients)?;
    Ok(baseline(out, alone.clients, Transaction::Own))
}

/// pgbench with `script` from a file: a warm-up, then the measured run.
pub fn measure(
    ctx: &Context,
    url: &str,
    script: &std::path::Path,
    clients: usize,
) -> Result<Output, String> {
    let path = script.display().to_string();
    let seconds = |d: std::time::Duration| vec!["-T".to_string(), d.as_secs().max(1).to_string()];
    if !ctx.warmup.is_zero() {
        pgbench(url, &path, clients, 0, &seconds(ctx.warmup))?;
    }
    let how_long = match ctx.limit {
        // pgbench counts transactions per client.
        Limit::Operations(n) => vec!["-t".into(), (n / clients as u64).max(1).to_string()],
        Limit::Duration(d) => seconds(d),
    };
    pgbench(url, &path, clients, MEASURED_FROM, &how_long)
}

/// What pgbench measured, as the report shows a baseline.
pub fn baseline(out: Output, clients: usize, transaction: Transaction) -> Baseline {
    Baseline {
        backend: Backend::Postgres,
        transaction,
        clients,
        round: 1,
        how: "pgbench -M prepared".into(),
        courses_per_second: out.tps,
        transactions: out.transactions,
        failed: out.failed,
        mean_ms: out.latency_ms,
        p50_ms: None,
        p99_ms: None,
    }
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
}
