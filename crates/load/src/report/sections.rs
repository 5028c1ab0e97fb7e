//! The report's sections, each a markdown table (or nothing when the
//! invocation measured nothing for it).

use std::fmt::Write;

use super::format::{mib, millis, percent, rate, statuses};
use super::rounds::{median, BookingRow};
use super::{Report, RunResult};
use crate::database::Backend;
use crate::scenarios::Scenario;

impl Report {
    /// When and on what the invocation ran (only when it recorded that).
    pub(super) fn run_line(&self, out: &mut String) {
        if !self.settings.contains_key("cores") {
            return;
        }
        let _ = writeln!(
            out,
            "Run {}: {} cores, load average at start {}; SQLite {}, PostgreSQL {}; \
             server pool size {}.\n",
            self.started_at,
            self.setting("cores"),
            self.setting("load_average_at_start"),
            self.setting("sqlite_version"),
            self.setting("postgres_version"),
            self.setting("pool_size")
        );
    }

    pub(super) fn http_section(&self, out: &mut String) {
        if self.runs.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "### HTTP throughput and latency\n\n{} s measured per run after {} s of warm-up; \
             a fresh server and database per run; latency of 2xx responses only; \
             peak RSS = largest VmRSS of the server sampled every 100 ms.\n",
            self.setting("seconds"),
            self.setting("warmup_seconds")
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
                r.label(),
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

    pub(super) fn booking_section(&self, out: &mut String) {
        if self.baselines.is_empty() {
            return;
        }
        let rounds = self.rounds();
        booking_heading(out, rounds);
        let mut counts: Vec<(Backend, usize)> = Vec::new();
        for b in &self.baselines {
            if !counts.contains(&(b.backend, b.clients)) {
                counts.push((b.backend, b.clients));
            }
        }
        for (backend, clients) in counts {
            let row = BookingRow::of(self, backend, clients);
            let shown = |v: Option<f64>| v.map(rate).unwrap_or_else(|| "–".into());
            let ratio = |v: Option<f64>| v.map(|r| percent(r, 1.0)).unwrap_or_else(|| "–".into());
            let _ = write!(
                out,
                "| {} | {clients} | {} | {} | {} | {} | {} |",
                backend.name(),
                shown(median(&row.http)),
                shown(median(&row.own)),
                shown(median(&row.limit)),
                ratio(median(&row.of_own)),
                ratio(median(&row.of_limit)),
            );
            if rounds > 1 {
                let each: Vec<String> = row.of_limit.iter().map(|r| percent(*r, 1.0)).collect();
                let _ = write!(out, " {} |", each.join(" · "));
            }
            out.push('\n');
        }
        let mut hows: Vec<String> = Vec::new();
        for b in &self.baselines {
            let how = format!("{} {}: {}", b.backend.name(), b.transaction.name(), b.how);
            if !hows.contains(&how) {
                hows.push(how);
            }
        }
        let _ = writeln!(out, "\nDriven by: {}.", hows.join("; "));
    }

    pub(super) fn reads_section(&self, out: &mut String) {
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

    pub(super) fn mixed_section(&self, out: &mut String) {
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

    pub(super) fn memory_section(&self, out: &mut String) {
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
                r.label(),
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

    pub(super) fn scale_section(&self, out: &mut String) {
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

    pub(super) fn problems_section(&self, out: &mut String) {
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

    pub(super) fn notes_section(&self, out: &mut String) {
        if self.notes.is_empty() {
            return;
        }
        out.push_str("\n### Notes\n\n");
        for note in &self.notes {
            let _ = writeln!(out, "- {note}");
        }
    }
}

/// What the booking table compares, and its header.
fn booking_heading(out: &mut String, rounds: usize) {
    out.push_str(
        "\n### Booking through HTTP vs the database alone\n\n\
         Two baselines, each in the same run: *own* is Chairside's own booking \
         transaction (its statements, order and rows) run directly — pgbench on \
         PostgreSQL, a C-API loop on SQLite; *limit* is the minimal booking \
         transaction (`crates/load/minimal/`: a course, six sessions through both \
         exclusion constraints, one outbox and one audit row) — pgbench on \
         PostgreSQL, its Python loop with one writer on SQLite. The targets are \
         HTTP / limit ≥ 50 % on PostgreSQL and ≥ 40 % on SQLite.\n",
    );
    if rounds > 1 {
        let _ = writeln!(
            out,
            "\nIn {rounds} rounds, each booking over HTTP and then both transactions alone \
             at one client count, back to back: courses/s are medians over the rounds, \
             the ratios the median of the rounds' own ratios (each round's HTTP / limit in the \
             last column)."
        );
    }
    out.push_str(match rounds {
        1 => "\n| backend | clients | HTTP courses/s | own courses/s | limit courses/s | HTTP / own | HTTP / limit |\n\
              |---|---:|---:|---:|---:|---:|---:|\n",
        _ => "\n| backend | clients | HTTP courses/s | own courses/s | limit courses/s | HTTP / own | HTTP / limit | by round |\n\
              |---|---:|---:|---:|---:|---:|---:|---|\n",
    });
}
