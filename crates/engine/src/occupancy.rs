//! Chair occupancy: which chair intervals are already taken.
//!
//! Intervals are half-open `[start, end)`: a session ending at 11:00 and the
//! next starting at 11:00 do not overlap. Lookups are logarithmic in the size
//! of the book, because the planner asks thousands of them per plan.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::ChairId;
use crate::staff::Load;

/// A half-open span of time `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Interval {
    /// Inclusive start.
    pub start: DateTime<Utc>,
    /// Exclusive end.
    pub end: DateTime<Utc>,
}

impl Interval {
    /// A new interval; `end` must be after `start`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        debug_assert!(start < end, "empty interval {start}..{end}");
        Interval { start, end }
    }

    /// The interval, or `None` when it would be empty (e.g. an opening range
    /// or closure lying wholly in an hour the clocks skip).
    pub fn non_empty(start: DateTime<Utc>, end: DateTime<Utc>) -> Option<Self> {
        (start < end).then_some(Interval { start, end })
    }

    /// Whether the two intervals share any instant.
    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// Whether `other` lies wholly inside this interval.
    pub fn contains(&self, other: &Interval) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// A set of instants kept as disjoint, merged intervals, for O(log n)
/// "is any of this busy?" queries.
#[derive(Clone, Debug, Default)]
pub struct IntervalSet {
    spans: BTreeMap<DateTime<Utc>, DateTime<Utc>>,
}

impl IntervalSet {
    /// Adds an interval, merging it with any it touches.
    pub fn insert(&mut self, interval: Interval) {
        let (mut start, mut end) = (interval.start, interval.end);
        if let Some((&s, &e)) = self.spans.range(..=start).next_back() {
            if e >= start {
                start = s;
                end = end.max(e);
            }
        }
        let absorbed: Vec<_> = self
            .spans
            .range(start..=end)
            .map(|(&s, &e)| (s, e))
            .collect();
        for (s, e) in absorbed {
            end = end.max(e);
            self.spans.remove(&s);
        }
        self.spans.insert(start, end);
    }

    /// Whether any instant of `interval` is in the set.
    pub fn overlaps(&self, interval: &Interval) -> bool {
        // Spans are disjoint and sorted, so their ends increase too: only the
        // last span starting before `interval.end` can reach into it.
        self.spans
            .range(..interval.end)
            .next_back()
            .is_some_and(|(_, &end)| end > interval.start)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The set's spans that touch `window`, in order (not clipped).
    pub fn touching(&self, window: Interval) -> Vec<Interval> {
        let before = self
            .spans
            .range(..window.start)
            .next_back()
            .filter(|(_, &end)| end > window.start);
        before
            .into_iter()
            .chain(self.spans.range(window.start..window.end))
            .map(|(&start, &end)| Interval { start, end })
            .collect()
    }
}

/// One taken chair interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub chair: ChairId,
    /// The chair interval: pre-dose check to end of monitoring.
    pub interval: Interval,
}

/// The chair intervals already taken in a clinic, when sessions start (for
/// the per-slot start cap) and what they ask of staff. Held and pending
/// sessions belong here too.
#[derive(Clone, Debug, Default)]
pub struct Occupancy {
    chairs: HashMap<ChairId, IntervalSet>,
    starts: BTreeMap<DateTime<Utc>, u32>,
    len: usize,
    loads: BTreeMap<DateTime<Utc>, Vec<Load>>,
    longest_load: Duration,
}

impl Occupancy {
    /// An empty book.
    pub fn new() -> Self {
        Occupancy::default()
    }

    /// A book holding these bookings.
    pub fn from_bookings(bookings: impl IntoIterator<Item = Booking>) -> Self {
        let mut book = Occupancy::new();
        for booking in bookings {
            book.add(booking);
        }
        book
    }

    /// Takes a chair interval.
    pub fn add(&mut self, booking: Booking) {
        self.chairs
            .entry(booking.chair)
            .or_default()
            .insert(booking.interval);
        *self.starts.entry(booking.interval.start).or_default() += 1;
        self.len += 1;
    }

    /// Holds a chair beyond its booking (a session running over): the
    /// chair is taken, but no session starts.
    pub fn hold(&mut self, chair: ChairId, interval: Interval) {
        self.chairs.entry(chair).or_default().insert(interval);
    }

    /// Adds what a booked session asks of staff.
    pub fn add_loads(&mut self, loads: impl IntoIterator<Item = Load>) {
        for load in loads {
            self.longest_load = self
                .longest_load
                .max(load.interval.end - load.interval.start);
            self.loads
                .entry(load.interval.start)
                .or_default()
                .push(load);
        }
    }

    /// The staff loads that overlap the interval.
    pub fn loads_overlapping(&self, interval: Interval) -> impl Iterator<Item = &Load> + Clone {
        self.loads
            .range(interval.start - self.longest_load..interval.end)
            .flat_map(|(_, loads)| loads)
            .filter(move |l| l.interval.overlaps(&interval))
    }

    /// Whether the chair is free for the whole interval.
    pub fn is_free(&self, chair: ChairId, interval: &Interval) -> bool {
        self.chairs
            .get(&chair)
            .is_none_or(|set| !set.overlaps(interval))
    }

    /// The chair's taken spans that touch `window`, in order.
    pub fn taken(&self, chair: ChairId, window: Interval) -> Vec<Interval> {
        self.chairs
            .get(&chair)
            .map_or_else(Vec::new, |set| set.touching(window))
    }

    /// How many sessions start in `[from, to)` (on any chair).
    pub fn starts_within(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        self.starts.range(from..to).map(|(_, n)| n).sum()
    }

    /// How many bookings were added.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no booking was added.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
