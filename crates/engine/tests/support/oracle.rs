//! An independent model of the rules, written from domain.md and the issue,
//! not from the engine's code: it reads only the engine's data types. It
//! converts wall-clock times with chrono-tz itself, checks chairs against
//! the raw booking list (never `Occupancy`), and enumerates plans by brute
//! force.

use std::collections::{BTreeMap, HashSet};

use chairside_engine::{
    Booking, Chair, ChairId, ClinicCalendar, Closure, ClosureScope, ClosureSpan, Interval,
    Modality, PatientPreferences,
};
use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Timelike, Utc,
};
use chrono_tz::Tz;

/// An instant span `[start, end)`.
pub type Span = (DateTime<Utc>, DateTime<Utc>);

/// When a wall-clock boundary (opening, closing, closure edge) takes
/// effect: the first instant the clinic's clock shows it. A boundary in a
/// skipped hour takes effect when the clocks resume; in a repeated hour, at
/// its first occurrence.
pub fn boundary(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.with_timezone(&Utc).min(b.with_timezone(&Utc)),
        LocalResult::None => {
            // Walk back out of the gap on the UTC axis, then forward to the
            // first instant whose wall clock reaches `local`.
            let mut t = zone
                .from_local_datetime(&(local - Duration::hours(3)))
                .earliest()
                .expect("three hours before a gap exists")
                .with_timezone(&Utc);
            while t.with_timezone(&zone).naive_local() < local {
                t += Duration::minutes(1);
            }
            t
        }
    }
}

/// The wall-clock reading of an instant.
pub fn local(zone: Tz, t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&zone).naive_local()
}

fn overlap(a: Span, b: Span) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// One placement the oracle allows: a start on a day with its chair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub chair: ChairId,
    pub distance: u32,
}

/// Patient preferences, read as the issue states them.
pub fn in_window(prefs: &PatientPreferences, t: NaiveTime) -> bool {
    prefs.earliest_start.is_none_or(|e| e <= t) && prefs.latest_start.is_none_or(|l| t <= l)
}

pub fn distance(prefs: &PatientPreferences, t: NaiveTime) -> u32 {
    prefs.preferred_start.map_or(0, |p| {
        let (a, b) = (
            t.num_seconds_from_midnight() as i64,
            p.num_seconds_from_midnight() as i64,
        );
        ((a - b).abs() / 60) as u32
    })
}

/// A clinic as the oracle sees it: the calendar, the raw bookings and the
/// closures resolved to instants.
pub struct Clinic<'a> {
    pub calendar: &'a ClinicCalendar,
    pub bookings: &'a [Booking],
    closures: Vec<(ClosureScope, Span)>,
}

impl<'a> Clinic<'a> {
    pub fn new(calendar: &'a ClinicCalendar, bookings: &'a [Booking]) -> Self {
        let zone = calendar.zone;
        let closures = calendar
            .closures
            .iter()
            .map(|Closure { scope, span }| {
                let span = match *span {
                    ClosureSpan::Days { first, last } => (
                        boundary(zone, first.and_time(NaiveTime::MIN)),
                        boundary(zone, (last + Duration::days(1)).and_time(NaiveTime::MIN)),
                    ),
                    ClosureSpan::Range { start, end } => {
                        (boundary(zone, start), boundary(zone, end))
                    }
                };
                (*scope, span)
            })
            .collect();
        Clinic {
            calendar,
            bookings,
            closures,
        }
    }

    pub fn zone(&self) -> Tz {
        self.calendar.zone
    }

    /// The local dates a patient's other sessions touch.
    pub fn patient_days(&self, sessions: &[Interval]) -> HashSet<NaiveDate> {
        sessions
            .iter()
            .flat_map(|s| {
                [
                    local(self.zone(), s.start).date(),
                    local(self.zone(), s.end - Duration::seconds(1)).date(),
                ]
            })
            .collect()
    }

    pub fn patient_can_come(
        &self,
        prefs: &PatientPreferences,
        taken: &HashSet<NaiveDate>,
        date: NaiveDate,
    ) -> bool {
        (prefs.weekdays.is_empty() || prefs.weekdays.contains(&date.weekday()))
            && !prefs.unavailable_dates.contains(&date)
            && !taken.contains(&date)
    }

    /// Whether this chair can host the session: active, equipped, not
    /// closed (clinic or chair), not booked.
    pub fn chair_open(&self, chair: &Chair, modality: Modality, span: Span) -> bool {
        chair.active
            && chair.modalities.contains(&modality)
            && !self.closures.iter().any(|(scope, c)| {
                (*scope == ClosureScope::Clinic || *scope == ClosureScope::Chair(chair.id))
                    && overlap(*c, span)
            })
            && !self
                .bookings
                .iter()
                .any(|b| b.chair == chair.id && overlap((b.interval.start, b.interval.end), span))
    }

    /// The first chair, in calendar order, that can host the session.
    pub fn first_chair(&self, modality: Modality, span: Span) -> Option<ChairId> {
        self.calendar
            .chairs
            .iter()
            .find(|c| self.chair_open(c, modality, span))
            .map(|c| c.id)
    }

    /// Whether one more session may start at `start` (a grid start): fewer
    /// than the cap of booked sessions start within its grid slot.
    pub fn cap_allows(&self, start: DateTime<Utc>) -> bool {
        let slot = (
            start,
            start + Duration::minutes(self.calendar.start_grid_minutes.into()),
        );
        self.calendar.max_starts_per_slot.is_none_or(|cap| {
            let starts = self
                .bookings
                .iter()
                .filter(|b| slot.0 <= b.interval.start && b.interval.start < slot.1)
                .count();
            starts < cap as usize
        })
    }

    /// The opening ranges of a local date, as instants.
    pub fn opening(&self, date: NaiveDate) -> Vec<Span> {
        self.calendar
            .hours
            .on(date.weekday())
            .iter()
            .map(|r| {
                (
                    boundary(self.zone(), date.and_time(r.opens)),
                    boundary(self.zone(), date.and_time(r.closes)),
                )
            })
            .collect()
    }

    /// Grid starts of the date that exist unambiguously on the clinic's
    /// clock and whose whole chair interval lies inside one opening range.
    pub fn fitting(&self, date: NaiveDate, duration: Duration) -> Vec<(NaiveTime, Interval)> {
        let opening = self.opening(date);
        let grid = self.calendar.start_grid_minutes;
        let mut starts = Vec::new();
        for m in (0..24 * 60).step_by(grid as usize) {
            let t = NaiveTime::from_hms_opt(m / 60, m % 60, 0).unwrap();
            let LocalResult::Single(start) = self.zone().from_local_datetime(&date.and_time(t))
            else {
                continue;
            };
            let start = start.with_timezone(&Utc);
            let end = start + duration;
            if opening.iter().any(|o| o.0 <= start && end <= o.1) {
                starts.push((t, Interval::new(start, end)));
            }
        }
        starts
    }

    /// Every place a patient's session could go on a date, in time order,
    /// each with its first free chair (the patient's day constraints are the
    /// caller's business).
    pub fn candidates(
        &self,
        date: NaiveDate,
        modality: Modality,
        duration: Duration,
        prefs: &PatientPreferences,
    ) -> Vec<Candidate> {
        self.fitting(date, duration)
            .into_iter()
            .filter(|(t, _)| in_window(prefs, *t))
            .filter(|(_, i)| self.cap_allows(i.start))
            .filter_map(|(t, i)| {
                let chair = self.first_chair(modality, (i.start, i.end))?;
                Some(Candidate {
                    date,
                    time: t,
                    start: i.start,
                    end: i.end,
                    chair,
                    distance: distance(prefs, t),
                })
            })
            .collect()
    }

    /// The best place on a date: nearest the preferred start, then earliest.
    pub fn best(
        &self,
        date: NaiveDate,
        modality: Modality,
        duration: Duration,
        prefs: &PatientPreferences,
    ) -> Option<Candidate> {
        self.candidates(date, modality, duration, prefs)
            .into_iter()
            .min_by_key(|c| (c.distance, c.start))
    }

    /// Every (chair, start) open on a date, ordered by time then chair order.
    pub fn open_starts(
        &self,
        date: NaiveDate,
        modality: Modality,
        duration: Duration,
    ) -> Vec<(ChairId, DateTime<Utc>, NaiveTime)> {
        let mut open = Vec::new();
        for (t, i) in self.fitting(date, duration) {
            if !self.cap_allows(i.start) {
                continue;
            }
            for chair in &self.calendar.chairs {
                if self.chair_open(chair, modality, (i.start, i.end)) {
                    open.push((chair.id, i.start, t));
                }
            }
        }
        open
    }

    /// Every calendar rule one placed session must keep; `Err` says which
    /// it breaks.
    pub fn check_placement(
        &self,
        modality: Modality,
        duration: Duration,
        chair: ChairId,
        span: Span,
        date: NaiveDate,
        time: NaiveTime,
    ) -> Result<(), String> {
        let zone = self.zone();
        let here = format!("{date} {time} on chair {}", chair.0);
        if span.1 - span.0 != duration {
            return Err(format!("{here}: holds the chair {}", span.1 - span.0));
        }
        if local(zone, span.0) != date.and_time(time) {
            return Err(format!(
                "{here}: the instant {} reads {} on the clinic's clock",
                span.0,
                local(zone, span.0)
            ));
        }
        match zone.from_local_datetime(&date.and_time(time)) {
            LocalResult::Single(_) => {}
            other => return Err(format!("{here}: the local start is guessed: {other:?}")),
        }
        let grid = self.calendar.start_grid_minutes;
        if time.second() != 0 || !(time.hour() * 60 + time.minute()).is_multiple_of(grid) {
            return Err(format!("{here}: off the {grid}-minute grid"));
        }
        if !self
            .opening(date)
            .iter()
            .any(|o| o.0 <= span.0 && span.1 <= o.1)
        {
            return Err(format!("{here}: outside the opening hours"));
        }
        let Some(c) = self.calendar.chairs.iter().find(|c| c.id == chair) else {
            return Err(format!("{here}: not a chair of the clinic"));
        };
        if !c.active || !c.modalities.contains(&modality) {
            return Err(format!("{here}: chair inactive or not equipped"));
        }
        if let Some(b) = self
            .bookings
            .iter()
            .find(|b| b.chair == chair && overlap((b.interval.start, b.interval.end), span))
        {
            return Err(format!("{here}: overlaps the booking {b:?}"));
        }
        if !self.chair_open(c, modality, span) {
            return Err(format!("{here}: a closure covers it"));
        }
        if !self.cap_allows(span.0) {
            return Err(format!("{here}: the start slot is at its cap"));
        }
        Ok(())
    }
}

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
    pub fn of(rules: &chairside_engine::SeriesRules) -> Self {
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
