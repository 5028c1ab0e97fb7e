//! Prometheus metrics: per route pattern (never per raw path), method and
//! status class, counts and latency; and how often writers planned on a
//! calendar kept from an earlier turn rather than read.

use std::sync::Mutex;
use std::time::Duration;

use chairside_store::CalendarUses;

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
        Metrics {
            registry,
            requests,
            latency,
            calendars: Mutex::new(calendars),
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

    /// The text exposition format, with the store's `calendars` totals.
    pub fn render(&self, calendars: CalendarUses) -> String {
        {
            let family = self
                .calendars
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            for (source, total) in [("kept", calendars.kept), ("read", calendars.read)] {
                let counter = family.get_or_create(&CalendarLabels {
                    source: source.into(),
                });
                let seen = counter.get();
                if total > seen {
                    counter.inc_by(total - seen);
                }
            }
        }
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}
