//! Latencies and outcomes of one operation, and what the report says about
//! them: count, throughput, p50/p99/max.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

/// Everything recorded for one operation (e.g. `POST courses`) in one run.
#[derive(Debug, Default, Clone)]
pub struct Recorded {
    /// Latency of every 2xx response, microseconds.
    pub latencies_us: Vec<u64>,
    /// Responses by status (2xx included).
    pub statuses: BTreeMap<u16, u64>,
    /// Requests that got no HTTP response (refused, reset, timed out).
    pub transport_errors: u64,
    /// The first few non-2xx bodies and transport errors, to show.
    pub samples: Vec<String>,
}

/// How many failure samples each operation keeps.
const SAMPLES: usize = 5;

impl Recorded {
    /// A response with this status after `took`.
    pub fn response(&mut self, status: u16, took: Duration, body: impl FnOnce() -> String) {
        *self.statuses.entry(status).or_default() += 1;
        if (200..300).contains(&status) {
            self.latencies_us.push(took.as_micros() as u64);
        } else if self.samples.len() < SAMPLES {
            self.samples
                .push(format!("{status}: {}", clip(&body(), 300)));
        }
    }

    /// A request that got no response.
    pub fn transport_error(&mut self, error: &str) {
        self.transport_errors += 1;
        if self.samples.len() < SAMPLES {
            self.samples
                .push(format!("transport: {}", clip(error, 300)));
        }
    }

    /// Adds another client's record of the same operation.
    pub fn merge(&mut self, other: Recorded) {
        self.latencies_us.extend(other.latencies_us);
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        self.transport_errors += other.transport_errors;
        for s in other.samples {
            if self.samples.len() < SAMPLES {
                self.samples.push(s);
            }
        }
    }

    /// The summary over a measured window of `elapsed`.
    pub fn summarise(&self, elapsed: Duration) -> Summary {
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        let ok = sorted.len() as u64;
        let failed = self
            .statuses
            .iter()
            .filter(|(s, _)| !(200..300).contains(*s))
            .map(|(_, n)| n)
            .sum::<u64>();
        let secs = elapsed.as_secs_f64();
        Summary {
            ok,
            non_2xx: failed,
            transport_errors: self.transport_errors,
            per_second: if secs > 0.0 { ok as f64 / secs } else { 0.0 },
            p50_ms: percentile(&sorted, 50.0).map(ms),
            p99_ms: percentile(&sorted, 99.0).map(ms),
            max_ms: sorted.last().copied().map(ms),
            mean_ms: (!sorted.is_empty())
                .then(|| sorted.iter().sum::<u64>() as f64 / sorted.len() as f64 / 1000.0),
            statuses: self
                .statuses
                .iter()
                .map(|(s, n)| (s.to_string(), *n))
                .collect(),
            samples: self.samples.clone(),
        }
    }
}

/// What the report shows for one operation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    /// 2xx responses.
    pub ok: u64,
    pub non_2xx: u64,
    /// No response at all.
    pub transport_errors: u64,
    /// 2xx responses per second of the measured window.
    pub per_second: f64,
    /// Median latency of 2xx responses.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub mean_ms: Option<f64>,
    pub statuses: BTreeMap<String, u64>,
    /// A few failures, verbatim.
    pub samples: Vec<String>,
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// The nearest-rank percentile of sorted values: the smallest value with at
/// least `p` % of the values at or below it. `None` when there are none.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let hundred: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&hundred, 50.0), Some(50));
        assert_eq!(percentile(&hundred, 99.0), Some(99));
        assert_eq!(percentile(&hundred, 100.0), Some(100));
        assert_eq!(percentile(&[1, 2, 3, 4], 50.0), Some(2));
        // Few values: p99 is the largest, never an index past the end.
        assert_eq!(percentile(&[7, 9, 30], 99.0), Some(30));
        assert_eq!(percentile(&[5], 50.0), Some(5));
        assert_eq!(percentile(&[5], 0.0), Some(5));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn only_2xx_counts_towards_latency_and_throughput() {
        let mut a = Recorded::default();
        for ms in [10u64, 20, 30, 40] {
            a.response(201, Duration::from_millis(ms), String::new);
        }
        a.response(409, Duration::from_millis(1), || "chair taken".into());
        let mut b = Recorded::default();
        b.response(201, Duration::from_millis(1000), String::new);
        b.transport_error("connection reset");
        a.merge(b);
        let s = a.summarise(Duration::from_secs(2));
        assert_eq!(s.ok, 5);
        assert_eq!(s.non_2xx, 1);
        assert_eq!(s.transport_errors, 1);
        assert_eq!(s.per_second, 2.5);
        assert_eq!(s.p50_ms, Some(30.0));
        assert_eq!(s.p99_ms, Some(1000.0));
        assert_eq!(s.max_ms, Some(1000.0));
        assert_eq!(s.statuses.get("201"), Some(&5));
        assert_eq!(s.statuses.get("409"), Some(&1));
        assert_eq!(
            s.samples,
            vec!["409: chair taken", "transport: connection reset"]
        );
    }

    #[test]
    fn nothing_recorded_has_no_latency() {
        let s = Recorded::default().summarise(Duration::from_secs(1));
        assert_eq!(
            (s.ok, s.per_second, s.p50_ms, s.max_ms),
            (0, 0.0, None, None)
        );
    }
}
