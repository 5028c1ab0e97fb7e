//! The days a patient could come, each with its best slot, computed once.
//!
//! Sessions of one patient fall on distinct local days, so their slots never
//! compete: the best slot of a day does not depend on which other days are
//! chosen. That is what lets the series search work on days alone.

use std::collections::HashSet;

use chrono::{Duration, NaiveDate};

use crate::local_time::local_date;
use crate::occupancy::Interval;
use crate::planner::{Need, Planner, Slot};
use crate::preferences::PatientPreferences;
use crate::rules::Rule;

/// Lazily evaluated days from `base` onwards, addressed by offset.
pub(crate) struct Days<'p, 'a> {
    planner: &'p Planner<'a>,
    need: Need,
    preferences: &'p PatientPreferences,
    patient_days: HashSet<NaiveDate>,
    base: NaiveDate,
    cache: Vec<Option<Result<Slot, Rule>>>,
}

impl<'p, 'a> Days<'p, 'a> {
    pub fn new(
        planner: &'p Planner<'a>,
        need: Need,
        preferences: &'p PatientPreferences,
        patient_sessions: &[Interval],
        base: NaiveDate,
    ) -> Self {
        let zone = planner.calendar.zone;
        // One session per patient per local day: a day holding any of the
        // patient's other sessions is not available.
        let patient_days = patient_sessions
            .iter()
            .flat_map(|s| {
                [
                    local_date(zone, s.start),
                    local_date(zone, s.end - Duration::seconds(1)),
                ]
            })
            .collect();
        Days {
            planner,
            need,
            preferences,
            patient_days,
            base,
            cache: Vec::new(),
        }
    }

    /// The date at an offset from the base.
    pub fn date(&self, offset: i64) -> NaiveDate {
        self.base + Duration::days(offset)
    }

    /// The offset of a date from the base.
    pub fn offset(&self, date: NaiveDate) -> i64 {
        (date - self.base).num_days()
    }

    /// The best slot on the day at `offset`, or the rule that blocks it.
    pub fn outcome(&mut self, offset: i64) -> Result<Slot, Rule> {
        if offset < 0 {
            return Err(Rule::PatientAvailability);
        }
        let index = offset as usize;
        if index >= self.cache.len() {
            self.cache.resize(index + 1, None);
        }
        if let Some(known) = self.cache[index] {
            return known;
        }
        let date = self.date(offset);
        let outcome = if !self.preferences.allows_date(date) || self.patient_days.contains(&date) {
            Err(Rule::PatientAvailability)
        } else {
            self.planner
                .best_slot_on(date, &self.need, self.preferences)
        };
        self.cache[index] = Some(outcome);
        outcome
    }

    /// Whether the day at `offset` has a slot.
    pub fn usable(&mut self, offset: i64) -> bool {
        self.outcome(offset).is_ok()
    }

    /// The slot of a usable day.
    pub fn slot(&mut self, offset: i64) -> Slot {
        self.outcome(offset).expect("slot of a usable day")
    }

    /// The distance cost of a usable day.
    pub fn cost(&mut self, offset: i64) -> u64 {
        u64::from(self.slot(offset).distance_minutes)
    }

    /// The first usable offset in `from..=to`.
    pub fn first_usable(&mut self, from: i64, to: i64) -> Option<i64> {
        (from.max(0)..=to).find(|&o| self.usable(o))
    }

    /// How many days in `from..=to` each rule blocks, most frequent first.
    pub fn blockers(&mut self, from: i64, to: i64) -> Vec<(Rule, usize)> {
        let mut counts: Vec<(Rule, usize)> = Vec::new();
        for offset in from.max(0)..=to {
            if let Err(rule) = self.outcome(offset) {
                match counts.iter_mut().find(|(r, _)| *r == rule) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((rule, 1)),
                }
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts
    }
}
