//! Prometheus metrics: per route pattern (never per raw path), method and
//! status class, counts and latency; and how often writers planned on a
//! calendar kept from an earlier turn rather than read.

use std::sync::Mutex;
use std::time::Duration;

use chairside_store::{CalendarUses, Commits};

use prometheus_client::encoding::{text::encode, EncodeLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
    status: String,
}

/// Where a writer's calendar came from: `kept` or `read`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CalendarLabels {
    source: String,
}

/// The service's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RouteLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    /// The store's totals, brought up to date when rendered (one render at
    /// a time, so that no increment is counted twice).
    calendars: Mutex<Family<CalendarLabels, Counter>>,
    /// SQLite's writes committed, and the commits that carried them.
    commits: [Counter; 2],
}

/// What the store counted since it opened: brought into the metrics when
/// they are rendered.
pub struct StoreTotals {
    pub calendars: CalendarUses,
    /// SQLite only.
    pub commits: Option<Commits>,
}

/// Raises `counter` to `total` (the store's count never goes down).
fn bring_up(counter: &Counter, total: u64) {
    let seen = counter.get();
    if total > seen {
        counter.inc_by(total - seen);
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("chairside");
        let requests = Family::<RouteLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 14))
        });
        registry.register("http_requests", "HTTP requests handled", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to handle an HTTP request",
            latency.clone(),
        );
        let calendars = Family::<CalendarLabels, Counter>::default();
        registry.register(
            "calendars_planned_on",
            "Calendars writers planned on: kept from the clinic's last turn, or read from the database",
            calendars.clone(),
        );
        let commits = [Counter::default(), Counter::default()];
        registry.register(
            "sqlite_writes_committed",
            "SQLite: writes committed (writers queued behind one share its commit; 0 on PostgreSQL)",
            commits[0].clone(),
        );
        registry.register(
            "sqlite_commits",
            "SQLite: commits that carried those writes",
            commits[1].clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            calendars: Mutex::new(calendars),
            commits,
        }
    }
}

impl Metrics {
    /// Records one request.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let labels = RouteLabels {
            method: method.to_string(),
            route: route.to_string(),
            status: format!("{}xx", status / 100),
        };
        self.requests.get_or_create(&labels).inc();
        self.latency
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// The text exposition format, with the store's totals.
    pub fn render(&self, totals: StoreTotals) -> String {
        {
            let family = self
                .calendars
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let calendars = totals.calendars;
            for (source, total) in [("kept", calendars.kept), ("read", calendars.read)] {
                let counter = family.get_or_create(&CalendarLabels {
                    source: source.into(),
                });
                bring_up(&counter, total);
            }
            if let Some(commits) = totals.commits {
                bring_up(&self.commits[0], commits.writes);
                bring_up(&self.commits[1], commits.commits);
            }
        }
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}
