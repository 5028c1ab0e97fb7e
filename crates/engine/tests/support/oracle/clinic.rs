//! A clinic as the oracle sees it, and where a session may go in it.

use std::collections::HashSet;

use chairside_engine::{
    Booking, Chair, ChairId, ClinicCalendar, Closure, ClosureScope, ClosureSpan, Interval, Load,
    Modality, PatientPreferences,
};
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::staff::{Floor, Treatment};
use super::{boundary, distance, in_window, local, overlap, Candidate, Span};

/// A clinic as the oracle sees it: the calendar, the raw bookings, the
/// closures resolved to instants, and the staff with what the booked
/// sessions ask of them.
pub struct Clinic<'a> {
    pub calendar: &'a ClinicCalendar,
    pub bookings: &'a [Booking],
    closures: Vec<(ClosureScope, Span)>,
    floor: Floor<'a>,
}

impl<'a> Clinic<'a> {
    pub fn new(calendar: &'a ClinicCalendar, bookings: &'a [Booking], loads: &'a [Load]) -> Self {
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
                    ClosureSpan::Instants { start, end } => (start, end),
                };
                (*scope, span)
            })
            .collect();
        Clinic {
            calendar,
            bookings,
            closures,
            floor: Floor::new(calendar, loads),
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

    /// Whether the staff on the floor can cover one more session of the
    /// treatment from `start` (always, in a clinic without staff).
    pub fn staff_covers(&self, treatment: &Treatment, start: DateTime<Utc>) -> bool {
        self.floor.covers(treatment, start)
    }

    /// Every place a patient's session could go on a date, in time order,
    /// each with its first free chair (the patient's day constraints are the
    /// caller's business).
    pub fn candidates(
        &self,
        date: NaiveDate,
        treatment: &Treatment,
        prefs: &PatientPreferences,
    ) -> Vec<Candidate> {
        self.fitting(date, treatment.duration())
            .into_iter()
            .filter(|(t, _)| in_window(prefs, *t))
            .filter(|(_, i)| self.cap_allows(i.start))
            .filter_map(|(t, i)| {
                let chair = self.first_chair(treatment.modality, (i.start, i.end))?;
                self.staff_covers(treatment, i.start).then_some(Candidate {
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
        treatment: &Treatment,
        prefs: &PatientPreferences,
    ) -> Option<Candidate> {
        self.candidates(date, treatment, prefs)
            .into_iter()
            .min_by_key(|c| (c.distance, c.start))
    }

    /// Every (chair, start) open on a date, ordered by time then chair order.
    pub fn open_starts(
        &self,
        date: NaiveDate,
        treatment: &Treatment,
    ) -> Vec<(ChairId, DateTime<Utc>, NaiveTime)> {
        let mut open = Vec::new();
        for (t, i) in self.fitting(date, treatment.duration()) {
            if !self.cap_allows(i.start) || !self.staff_covers(treatment, i.start) {
                continue;
            }
            for chair in &self.calendar.chairs {
                if self.chair_open(chair, treatment.modality, (i.start, i.end)) {
                    open.push((chair.id, i.start, t));
                }
            }
        }
        open
    }
}
