//! A series' spacing rules: gaps, span and the weekly cap.

use std::collections::BTreeMap;

use chairside_engine::SeriesRules;
use chrono::NaiveDate;

/// A series' spacing rules as plain numbers.
#[derive(Clone, Copy, Debug)]
pub struct Spacing {
    pub sessions: usize,
    pub min: i64,
    pub max: i64,
    pub span: i64,
    pub cap: Option<usize>,
}

impl Spacing {
    pub fn of(rules: &SeriesRules) -> Self {
        Spacing {
            sessions: rules.sessions as usize,
            min: rules.min_days_between.into(),
            max: rules.max_days_between.into(),
            span: rules.max_span_days.into(),
            cap: rules.max_per_week.map(|c| c as usize),
        }
    }

    /// Whether a list of dates (in order) keeps every spacing rule, with
    /// `previous` the last session of the phase before, if any.
    pub fn keeps(&self, previous: Option<NaiveDate>, dates: &[NaiveDate]) -> Result<(), String> {
        if dates.len() > self.sessions {
            return Err(format!("{} sessions", dates.len()));
        }
        let days = |a: NaiveDate, b: NaiveDate| (b - a).num_days();
        let mut before = previous;
        for d in dates {
            if let Some(b) = before {
                let gap = days(b, *d);
                if gap < self.min || gap > self.max {
                    return Err(format!("{gap} days from {b} to {d}"));
                }
            }
            before = Some(*d);
        }
        if let (Some(first), Some(last)) = (dates.first(), dates.last()) {
            if days(*first, *last) > self.span {
                return Err(format!("span {first}..{last}"));
            }
            if let Some(cap) = self.cap {
                let mut weeks = BTreeMap::new();
                for d in dates {
                    *weeks.entry(days(*first, *d) / 7).or_insert(0usize) += 1;
                }
                if weeks.values().any(|n| *n > cap) {
                    return Err(format!("more than {cap} in a phase week: {weeks:?}"));
                }
            }
        }
        Ok(())
    }
}
