//! Booking measured in rounds (`--rounds`): each round's HTTP run and the
//! two transactions alone ran back to back, so ratios are taken within a
//! round and the report shows the median.

use super::{Report, RunResult, Transaction};
use crate::database::Backend;
use crate::scenarios::Scenario;

/// One backend and client count of the booking table, round by round.
pub(super) struct BookingRow {
    /// Courses/s over HTTP, one per round that measured it.
    pub http: Vec<f64>,
    /// Chairside's own transaction alone.
    pub own: Vec<f64>,
    /// The minimal transaction (the limit).
    pub limit: Vec<f64>,
    /// HTTP / own within each round that measured both.
    pub of_own: Vec<f64>,
    /// HTTP / limit within each round that measured both.
    pub of_limit: Vec<f64>,
}

impl BookingRow {
    pub(super) fn of(report: &Report, backend: Backend, clients: usize) -> BookingRow {
        let mut row = BookingRow {
            http: Vec::new(),
            own: Vec::new(),
            limit: Vec::new(),
            of_own: Vec::new(),
            of_limit: Vec::new(),
        };
        for round in 1..=report.rounds() {
            let http = report
                .runs
                .iter()
                .find(|r| {
                    (r.scenario, r.backend, r.clients, r.round)
                        == (Scenario::Book, backend, clients, round)
                })
                .map(|r| r.headline.per_second);
            let alone = |t: Transaction| {
                report
                    .baselines
                    .iter()
                    .find(|b| {
                        (b.backend, b.clients, b.transaction, b.round)
                            == (backend, clients, t, round)
                    })
                    .map(|b| b.courses_per_second)
            };
            let (own, limit) = (alone(Transaction::Own), alone(Transaction::Minimal));
            row.http.extend(http);
            row.own.extend(own);
            row.limit.extend(limit);
            if let Some(http) = http {
                row.of_own
                    .extend(own.filter(|w| *w > 0.0).map(|w| http / w));
                row.of_limit
                    .extend(limit.filter(|w| *w > 0.0).map(|w| http / w));
            }
        }
        row
    }
}

/// The middle value (the mean of the two middle ones for an even count).
pub(super) fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

impl Report {
    /// How many rounds booking was measured in.
    pub(super) fn rounds(&self) -> usize {
        let runs = self.runs.iter().map(|r| r.round);
        let baselines = self.baselines.iter().map(|b| b.round);
        runs.chain(baselines).max().unwrap_or(1).max(1)
    }
}

impl RunResult {
    /// The scenario, and the round when booking ran in several.
    pub(super) fn label(&self) -> String {
        match self.round {
            0 | 1 => self.scenario.name().to_string(),
            round => format!("{} (round {round})", self.scenario.name()),
        }
    }
}
