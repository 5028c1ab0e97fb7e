//! The best plan by brute force, to hold the engine's exact search to.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::{Candidate, Spacing};

/// A brute-force search: every combination of (day, start, chair)
/// candidates, keeping the lexicographic minimum of (first date of the
/// phase, last date, total distance from the preferred start, start
/// instants in order).
pub struct BruteForce<'s> {
    pub spacing: Spacing,
    /// Dates of the phase that stand already (re-planning), in order.
    pub kept: &'s [NaiveDate],
    /// How many sessions to place.
    pub count: usize,
    /// No new session before this date.
    pub earliest: NaiveDate,
    /// The first session of the phase no later than this (new plans only).
    pub first_latest: Option<NaiveDate>,
    /// The previous phase's last session.
    pub previous: Option<NaiveDate>,
    /// Every date a new session may use, with its candidates.
    pub days: BTreeMap<NaiveDate, Vec<Candidate>>,
}

type Key = (NaiveDate, NaiveDate, u64, Vec<DateTime<Utc>>);

impl BruteForce<'_> {
    pub fn solve(&self) -> Option<Vec<Candidate>> {
        if self.spacing.keeps(self.previous, self.kept).is_err()
            || self.kept.len() + self.count > self.spacing.sessions
        {
            return None;
        }
        let mut best = None;
        self.extend(&mut Vec::new(), &mut best);
        best.map(|(_, chosen)| chosen)
    }

    fn extend(&self, chosen: &mut Vec<Candidate>, best: &mut Option<(Key, Vec<Candidate>)>) {
        let mut dates: Vec<NaiveDate> = self.kept.to_vec();
        dates.extend(chosen.iter().map(|c| c.date));
        if chosen.len() == self.count {
            // Complete: check the whole list once more, then rank it.
            if self.spacing.keeps(self.previous, &dates).is_err() {
                return;
            }
            let (Some(first), Some(last)) = (dates.first(), dates.last()) else {
                return;
            };
            let key: Key = (
                *first,
                *last,
                chosen.iter().map(|c| u64::from(c.distance)).sum(),
                chosen.iter().map(|c| c.start).collect(),
            );
            if best.as_ref().is_none_or(|(k, _)| key < *k) {
                *best = Some((key, chosen.clone()));
            }
            return;
        }
        let from = dates
            .last()
            .map_or(self.earliest, |d| *d + Duration::days(1))
            .max(self.earliest);
        for (date, candidates) in self.days.range(from..) {
            // Prune only with rules the full list must keep anyway.
            if dates.is_empty() && self.first_latest.is_some_and(|l| *date > l) {
                break;
            }
            let mut with = dates.clone();
            with.push(*date);
            if let Some(first) = with.first() {
                if (*date - *first).num_days() > self.spacing.span {
                    break;
                }
            }
            if self.spacing.keeps(self.previous, &with).is_err() {
                continue;
            }
            for c in candidates {
                chosen.push(*c);
                self.extend(chosen, best);
                chosen.pop();
            }
        }
    }
}
