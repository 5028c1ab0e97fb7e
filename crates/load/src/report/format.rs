//! Numbers as the report's tables show them.

use crate::stats::Summary;

/// A rate: whole numbers from 100 up, one decimal below.
pub fn rate(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Milliseconds: two decimals under 10, one above; `–` for none.
pub fn millis(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) if v < 10.0 => format!("{v:.2}"),
        Some(v) => format!("{v:.1}"),
    }
}

/// KiB as whole MiB; `–` for nothing sampled.
pub fn mib(kib: u64) -> String {
    if kib == 0 {
        "–".into()
    } else {
        format!("{:.0}", kib as f64 / 1024.0)
    }
}

/// `part` as a whole percentage of `whole`.
pub fn percent(part: f64, whole: f64) -> String {
    if whole > 0.0 {
        format!("{:.0} %", 100.0 * part / whole)
    } else {
        "–".into()
    }
}

/// The failures of an operation: `3×409, 1×transport`, or `0`.
pub fn statuses(s: &Summary) -> String {
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
