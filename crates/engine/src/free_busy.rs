//! A chair's time as free and busy spans, for calendars that speak in
//! slots (FHIR `Slot`): inside opening hours, busy where a session holds
//! the chair (a running-over one included) or a closure shuts it, free
//! elsewhere. Outside opening hours the chair has no slots at all. Read
//! from the same calendar and occupancy the planner plans on, so a span
//! shown free is one no booking holds.

use crate::calendar::ChairId;
use crate::local_time::to_local;
use crate::occupancy::Interval;
use crate::planner::Planner;

/// A span of a chair's open time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub interval: Interval,
    /// Nobody holds it and nothing shuts it.
    pub free: bool,
}

impl Planner<'_> {
    /// The chair's open time within `window`, as free and busy spans in
    /// time order.
    pub fn free_busy(&self, chair: ChairId, window: Interval) -> Vec<Span> {
        let zone = self.calendar.zone;
        let first = to_local(zone, window.start).date();
        let last = to_local(zone, window.end).date();
        let mut spans = Vec::new();
        for date in first.iter_days().take_while(|d| *d <= last) {
            for open in self.opening_intervals(date) {
                let Some(open) = clip(open, window) else {
                    continue;
                };
                let mut busy: Vec<Interval> = self.occupancy.taken(chair, open);
                busy.extend(self.closed_within(chair, open));
                spans.extend(split(open, merge(busy)));
            }
        }
        spans
    }
}

fn clip(interval: Interval, window: Interval) -> Option<Interval> {
    Interval::non_empty(
        interval.start.max(window.start),
        interval.end.min(window.end),
    )
}

/// Sorted, merged intervals.
fn merge(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.sort();
    let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
    for next in intervals {
        match merged.last_mut() {
            Some(last) if next.start <= last.end => last.end = last.end.max(next.end),
            _ => merged.push(next),
        }
    }
    merged
}

/// `open` cut into busy spans (`busy`, merged and sorted) and the free
/// spans between them.
fn split(open: Interval, busy: Vec<Interval>) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut at = open.start;
    for taken in busy.into_iter().filter_map(|b| clip(b, open)) {
        if let Some(gap) = Interval::non_empty(at, taken.start) {
            spans.push(Span {
                interval: gap,
                free: true,
            });
        }
        spans.push(Span {
            interval: taken,
            free: false,
        });
        at = taken.end;
    }
    if let Some(rest) = Interval::non_empty(at, open.end) {
        spans.push(Span {
            interval: rest,
            free: true,
        });
    }
    spans
}
