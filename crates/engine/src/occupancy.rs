//! Chair occupancy: which chair intervals are already taken.
//!
//! Intervals are half-open `[start, end)`: a session ending at 11:00 and the
//! next starting at 11:00 do not overlap. Lookups are logarithmic in the size
//! of the book, because the planner asks thousands of them per plan.

use std::collections::BTreeMap;

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

/// A set of instants kept as disjoint, merged intervals in a sorted
/// vector, for O(log n) "is any of this busy?" queries. Built in start
/// order — as bookings are read from the database — each insert is an
/// append or a merge with the last span: a book of n bookings builds in
/// O(n), not n tree inserts.
#[derive(Clone, Debug, Default)]
pub struct IntervalSet {
    spans: Vec<Interval>,
}

impl IntervalSet {
    /// Adds an interval, merging it with any it touches.
    pub fn insert(&mut self, interval: Interval) {
        if let Some(last) = self.spans.last_mut() {
            if last.start <= interval.start {
                // In order: extend the last span, or follow it.
                if interval.start <= last.end {
                    last.end = last.end.max(interval.end);
                } else {
                    self.spans.push(interval);
                }
                return;
            }
        }
        // Out of order: the spans it touches become one.
        let first = self.spans.partition_point(|s| s.end < interval.start);
        let past = self.spans.partition_point(|s| s.start <= interval.end);
        let merged = self.spans[first..past]
            .iter()
            .fold(interval, |m, s| Interval {
                start: m.start.min(s.start),
                end: m.end.max(s.end),
            });
        self.spans.splice(first..past, [merged]);
    }

    /// Whether any instant of `interval` is in the set.
    pub fn overlaps(&self, interval: &Interval) -> bool {
        // Spans are disjoint and sorted, so their ends increase too: only the
        // last span starting before `interval.end` can reach into it.
        let before_end = self.spans.partition_point(|s| s.start < interval.end);
        before_end > 0 && self.spans[before_end - 1].end > interval.start
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The set's spans that touch `window`, in order (not clipped).
    pub fn touching(&self, window: Interval) -> Vec<Interval> {
        let first = self.spans.partition_point(|s| s.end <= window.start);
        let past = self.spans.partition_point(|s| s.start < window.end);
        self.spans[first..past.max(first)].to_vec()
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
    /// Each chair's taken time, by chair id (a clinic has a handful of
    /// chairs: a binary search beats hashing).
    chairs: Vec<(ChairId, IntervalSet)>,
    /// Every session's start, sorted (an append when added in order).
    starts: Vec<DateTime<Utc>>,
    len: usize,
    loads: BTreeMap<DateTime<Utc>, Vec<Load>>,
    longest_load: Duration,
}

impl Occupancy {
    /// An empty book.
    pub fn new() -> Self {
        Occupancy::default()
    }

    /// A book holding these bookings. Given in start order — as the store
    /// reads them, by its `(clinic, start)` index — it is built by appends
    /// alone; in any other order they are sorted first.
    pub fn from_bookings(bookings: impl IntoIterator<Item = Booking>) -> Self {
        let mut bookings: Vec<Booking> = bookings.into_iter().collect();
        if !bookings.is_sorted_by_key(|b| b.interval.start) {
            bookings.sort_unstable_by_key(|b| b.interval.start);
        }
        let mut book = Occupancy::new();
        book.starts.reserve(bookings.len());
        for booking in bookings {
            book.add(booking);
        }
        book
    }

    fn chair_mut(&mut self, chair: ChairId) -> &mut IntervalSet {
        let at = match self.chairs.binary_search_by_key(&chair, |(c, _)| *c) {
            Ok(at) => at,
            Err(at) => {
                self.chairs.insert(at, (chair, IntervalSet::default()));
                at
            }
        };
        &mut self.chairs[at].1
    }

    fn chair(&self, chair: ChairId) -> Option<&IntervalSet> {
        self.chairs
            .binary_search_by_key(&chair, |(c, _)| *c)
            .ok()
            .map(|at| &self.chairs[at].1)
    }

    /// Takes a chair interval.
    pub fn add(&mut self, booking: Booking) {
        self.chair_mut(booking.chair).insert(booking.interval);
        let start = booking.interval.start;
        if self.starts.last().is_none_or(|last| *last <= start) {
            self.starts.push(start);
        } else {
            let at = self.starts.partition_point(|s| *s <= start);
            self.starts.insert(at, start);
        }
        self.len += 1;
    }

    /// Holds a chair beyond its booking (a session running over): the
    /// chair is taken, but no session starts.
    pub fn hold(&mut self, chair: ChairId, interval: Interval) {
        self.chair_mut(chair).insert(interval);
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
        self.chair(chair).is_none_or(|set| !set.overlaps(interval))
    }

    /// The chair's taken spans that touch `window`, in order.
    pub fn taken(&self, chair: ChairId, window: Interval) -> Vec<Interval> {
        self.chair(chair)
            .map_or_else(Vec::new, |set| set.touching(window))
    }

    /// How many sessions start in `[from, to)` (on any chair).
    pub fn starts_within(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        let first = self.starts.partition_point(|s| *s < from);
        let past = self.starts.partition_point(|s| *s < to);
        past.saturating_sub(first) as u32
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

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap() + Duration::minutes(minute)
    }

    /// Inserted in any order, the set answers as a minute-by-minute map of
    /// the same intervals does.
    #[test]
    fn the_set_is_the_union_of_what_was_inserted_in_any_order() {
        let mut seed = 0x2545_f491_u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n) as i64
        };
        for _ in 0..200 {
            let mut set = IntervalSet::default();
            let mut minutes = [false; 600];
            for _ in 0..next(12) + 1 {
                let start = next(560);
                let end = start + 1 + next(40);
                set.insert(Interval::new(at(start), at(end)));
                minutes[start as usize..end as usize].fill(true);
            }
            for _ in 0..50 {
                let start = next(590);
                let end = start + 1 + next(9);
                let busy = minutes[start as usize..end as usize].iter().any(|m| *m);
                assert_eq!(set.overlaps(&Interval::new(at(start), at(end))), busy);
                let touching = set.touching(Interval::new(at(start), at(end)));
                assert_eq!(!touching.is_empty(), busy, "{touching:?}");
            }
            assert!(
                set.spans.windows(2).all(|w| w[0].end < w[1].start),
                "disjoint, merged"
            );
        }
    }
}
