//! The exact search for a series: which days, given the spacing rules.
//!
//! The objective is lexicographic: (1) earliest first session, (2) earliest
//! last session, (3) smallest total distance from the preferred start, (4)
//! earliest start times. (1) is met by trying first days in order; for a
//! fixed first day, a dynamic programme over (session, day, sessions already
//! in that day's phase week) finds the best rest exactly. Greedy "earliest
//! slot for each session in turn" is not used because it can paint itself
//! into a corner (a closure week breaking the span later).

use chrono::NaiveDate;

use crate::days::Days;
use crate::protocol::SeriesRules;
use crate::rules::{Rule, Violation};

/// The spacing limits the search enforces; relaxed copies drop some.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub min_gap: i64,
    pub max_gap: i64,
    pub max_span: i64,
    pub cap: Option<u32>,
}

impl Limits {
    pub fn of(rules: &SeriesRules) -> Self {
        Limits {
            min_gap: i64::from(rules.min_days_between),
            max_gap: i64::from(rules.max_days_between),
            max_span: i64::from(rules.max_span_days),
            cap: rules.max_per_week.map(|c| c as u32),
        }
    }

    /// The limits with max gap and span dropped (bounded by `horizon` days),
    /// for a plan a clinician may accept when the rules cannot be kept.
    pub fn without_gap_and_span(self, horizon: i64) -> Self {
        Limits {
            max_gap: horizon,
            max_span: horizon,
            ..self
        }
    }
}

/// Sessions of the phase that already stand (completed or kept).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Anchor {
    /// Day 1 of the phase (its first session), as an offset.
    pub day1: i64,
    /// The last standing session, as an offset.
    pub last: i64,
    /// How many standing sessions share the last one's phase week.
    pub in_last_week: u32,
}

impl Anchor {
    pub fn from_days(days: &[i64]) -> Option<Self> {
        let (&day1, &last) = (days.first()?, days.last()?);
        let week = |d: i64| (d - day1).div_euclid(7);
        let in_last_week = days.iter().filter(|&&d| week(d) == week(last)).count() as u32;
        Some(Anchor {
            day1,
            last,
            in_last_week,
        })
    }
}

#[derive(Clone)]
struct State {
    distance: u64,
    days: Vec<i64>,
}

/// The best placement of `count` sessions after the anchor, no earlier than
/// `lo`, no later than `hi` (offsets). `None` if the limits cannot be kept.
///
/// One dynamic programme over (day, sessions so far in its week), kept as
/// one function on purpose: the layer, the slot key and the tie-break are
/// one argument about exactness (see `tests/properties/optimality.rs`, which checks it
/// against brute force), and splitting it would scatter that argument.
pub(crate) fn place_after(
    days: &mut Days,
    limits: &Limits,
    anchor: Anchor,
    count: usize,
    lo: i64,
    hi: i64,
) -> Option<Vec<i64>> {
    if count == 0 {
        return Some(Vec::new());
    }
    let slots_per_day = limits.cap.unwrap_or(1).max(1) as usize;
    let width = (limits.max_span + 1) as usize;
    let key = |t: i64, k: u32| (t - anchor.day1) as usize * slots_per_day + (k as usize - 1);
    let week = |t: i64| (t - anchor.day1).div_euclid(7);

    let mut layer: Vec<(i64, u32, State)> = vec![(
        anchor.last,
        anchor.in_last_week.max(1),
        State {
            distance: 0,
            days: Vec::new(),
        },
    )];
    for _ in 0..count {
        let mut next: Vec<Option<State>> = vec![None; width * slots_per_day];
        for (t, k, state) in &layer {
            for gap in limits.min_gap..=limits.max_gap {
                let t2 = t + gap;
                if t2 - anchor.day1 > limits.max_span || t2 > hi {
                    break;
                }
                if t2 < lo || !days.usable(t2) {
                    continue;
                }
                let k2 = match limits.cap {
                    Some(cap) if week(t2) == week(*t) => {
                        if k + 1 > cap {
                            continue;
                        }
                        k + 1
                    }
                    _ => 1,
                };
                let distance = state.distance + days.cost(t2);
                let slot = &mut next[key(t2, k2)];
                let better = match slot {
                    None => true,
                    // Both end on t2; compare what comes before it.
                    Some(best) => {
                        let before = &best.days[..best.days.len() - 1];
                        (distance, state.days.as_slice()) < (best.distance, before)
                    }
                };
                if better {
                    let mut chosen = state.days.clone();
                    chosen.push(t2);
                    *slot = Some(State {
                        distance,
                        days: chosen,
                    });
                }
            }
        }
        layer = next
            .into_iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.map(|s| {
                    let t = *s.days.last().expect("placed a day");
                    (t, (i % slots_per_day) as u32 + 1, s)
                })
            })
            .collect();
        if layer.is_empty() {
            return None;
        }
    }
    layer
        .into_iter()
        .map(|(_, _, s)| s)
        .min_by(|a, b| {
            (a.days.last(), a.distance, &a.days).cmp(&(b.days.last(), b.distance, &b.days))
        })
        .map(|s| s.days)
}

/// The best whole series whose first session is in `first_from..=first_to`.
pub(crate) fn place_series(
    days: &mut Days,
    limits: &Limits,
    count: usize,
    first_from: i64,
    first_to: i64,
    hi: i64,
) -> Option<Vec<i64>> {
    for day1 in first_from.max(0)..=first_to {
        if !days.usable(day1) {
            continue;
        }
        let anchor = Anchor {
            day1,
            last: day1,
            in_last_week: 1,
        };
        if let Some(rest) = place_after(days, limits, anchor, count - 1, day1 + 1, hi) {
            let mut all = vec![day1];
            all.extend(rest);
            return Some(all);
        }
    }
    None
}

/// Where a dose of a series may fall, by the series' rules: after the
/// dose before it, no sooner than the minimum gap and no later than the
/// maximum (nor past the span from the first dose); for the whole series,
/// from the first dose to the end of its span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DoseWindow {
    /// The dose the window is for (its place in the series, 1-based); 0
    /// for the series' span.
    pub dose: u32,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Whether the dose there keeps it; `None` for a dose not yet dated.
    pub kept: Option<bool>,
}

/// The windows of a series whose doses fall on `dates` (in order): one per
/// dose after the first, one for the next dose still owed, and the span.
pub fn dose_windows(rules: &SeriesRules, dates: &[NaiveDate]) -> Vec<DoseWindow> {
    let Some(first) = dates.first().copied() else {
        return Vec::new();
    };
    let span_end = first + chrono::Duration::days(i64::from(rules.max_span_days));
    let gap = |before: NaiveDate, dose: u32, at: Option<NaiveDate>| {
        let from = before + chrono::Duration::days(i64::from(rules.min_days_between));
        let to = (before + chrono::Duration::days(i64::from(rules.max_days_between))).min(span_end);
        DoseWindow {
            dose,
            from,
            to,
            kept: at.map(|d| from <= d && d <= to),
        }
    };
    let mut windows: Vec<DoseWindow> = dates
        .windows(2)
        .enumerate()
        .map(|(i, pair)| gap(pair[0], i as u32 + 2, Some(pair[1])))
        .collect();
    if dates.len() < rules.sessions as usize {
        windows.push(gap(dates[dates.len() - 1], dates.len() as u32 + 1, None));
    }
    let last = dates[dates.len() - 1];
    windows.push(DoseWindow {
        dose: 0,
        from: first,
        to: span_end,
        kept: Some(last <= span_end),
    });
    windows
}

/// Every spacing rule a list of session dates breaks (dates in order).
pub fn series_violations(rules: &SeriesRules, dates: &[NaiveDate]) -> Vec<Violation> {
    let mut violations = Vec::new();
    if dates.len() > rules.sessions as usize {
        violations.push(Violation::new(
            Rule::SessionCount,
            Some(dates.len() as u32),
            format!(
                "{} sessions; the series holds {}",
                dates.len(),
                rules.sessions
            ),
        ));
    }
    violations.extend(
        dates
            .windows(2)
            .enumerate()
            .filter_map(|(i, pair)| gap_violation(rules, i, pair[0], pair[1])),
    );
    if let (Some(first), Some(last)) = (dates.first(), dates.last()) {
        let span = (*last - *first).num_days();
        if span > i64::from(rules.max_span_days) {
            violations.push(Violation::new(
                Rule::Span,
                Some(dates.len() as u32),
                format!(
                    "first to last is {span} days; at most {} allowed",
                    rules.max_span_days
                ),
            ));
        }
        if let Some(cap) = rules.max_per_week {
            violations.extend(weekly_cap_violations(cap, *first, dates));
        }
    }
    violations
}

/// The rule the gap between session `i + 1` and the next breaks, if any.
fn gap_violation(
    rules: &SeriesRules,
    i: usize,
    before: NaiveDate,
    after: NaiveDate,
) -> Option<Violation> {
    let gap = (after - before).num_days();
    let sequence = Some(i as u32 + 2);
    let (rule, detail) = if gap == 0 {
        (
            Rule::OnePerDay,
            format!("sessions {} and {} are both on {after}", i + 1, i + 2),
        )
    } else if gap < i64::from(rules.min_days_between) {
        (
            Rule::MinGap,
            format!(
                "{gap} days after session {}; at least {} required",
                i + 1,
                rules.min_days_between
            ),
        )
    } else if gap > i64::from(rules.max_days_between) {
        (
            Rule::MaxGap,
            format!(
                "{gap} days after session {}; at most {} allowed",
                i + 1,
                rules.max_days_between
            ),
        )
    } else {
        return None;
    };
    Some(Violation::new(rule, sequence, detail))
}

/// Phase weeks (7 days from Day 1) holding more than `cap` sessions.
fn weekly_cap_violations(cap: i32, first: NaiveDate, dates: &[NaiveDate]) -> Vec<Violation> {
    let mut counts = std::collections::BTreeMap::new();
    for date in dates {
        *counts
            .entry((*date - first).num_days().div_euclid(7))
            .or_insert(0) += 1;
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n > cap)
        .map(|(week, n)| {
            Violation::new(
                Rule::WeeklyCap,
                None,
                format!(
                    "{n} sessions in phase week {}; at most {cap} allowed",
                    week + 1
                ),
            )
        })
        .collect()
}
