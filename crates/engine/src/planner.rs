//! The planner: a clinic calendar and its occupancy, indexed for the many
//! "is this chair free then?" questions a plan asks, and the search for the
//! best start on one local day, which every other operation builds on.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Offset, TimeZone, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{ChairId, ClinicCalendar, ClosureScope, Modality};
use crate::error::EngineError;
use crate::local_time::{resolve_local, start_of_local_day, Disambiguation};
use crate::occupancy::{Interval, IntervalSet, Occupancy};
use crate::preferences::PatientPreferences;
use crate::protocol::ChairTime;
use crate::rules::Rule;
use crate::staff::StaffNeed;

/// A calendar and its occupancy, ready to answer planning questions.
///
/// Building one resolves every closure to instants once; everything after
/// that is a lookup.
pub struct Planner<'a> {
    pub(crate) calendar: &'a ClinicCalendar,
    pub(crate) occupancy: &'a Occupancy,
    clinic_closed: IntervalSet,
    chair_closed: HashMap<ChairId, IntervalSet>,
}

/// One chair at one start: where a session can go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub chair: ChairId,
    /// The chair interval (pre-dose check to end of monitoring).
    pub interval: Interval,
    /// Local date of the start.
    pub local_date: NaiveDate,
    /// Local wall-clock start time.
    pub local_time: NaiveTime,
    /// Minutes between this start and the patient's preferred start.
    pub distance_minutes: u32,
}

/// What a session needs: a chair for how long, with which equipment, and
/// the staff each segment asks for (empty when the clinic plans on chairs
/// alone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Need {
    pub duration: Duration,
    pub modality: Modality,
    pub chair_time: ChairTime,
    pub staff: Vec<StaffNeed>,
}

/// A start that exists and whose chair interval fits the opening hours.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FittingStart {
    pub local_time: NaiveTime,
    pub interval: Interval,
}

impl<'a> Planner<'a> {
    /// Indexes a calendar and its occupancy. Fails if the calendar is inconsistent.
    pub fn new(
        calendar: &'a ClinicCalendar,
        occupancy: &'a Occupancy,
    ) -> Result<Self, EngineError> {
        calendar.validate()?;
        let zone = calendar.zone;
        let mut clinic_closed = IntervalSet::default();
        let mut chair_closed: HashMap<ChairId, IntervalSet> = HashMap::new();
        for closure in &calendar.closures {
            let interval = closure.span.instants(zone);
            // A closure wholly inside a skipped hour closes nothing.
            let Some(interval) = interval else { continue };
            match closure.scope {
                ClosureScope::Clinic => clinic_closed.insert(interval),
                ClosureScope::Chair(chair) => {
                    chair_closed.entry(chair).or_default().insert(interval)
                }
            }
        }
        Ok(Planner {
            calendar,
            occupancy,
            clinic_closed,
            chair_closed,
        })
    }

    /// The calendar being planned.
    pub fn calendar(&self) -> &ClinicCalendar {
        self.calendar
    }

    /// The opening ranges of a local date, as instants.
    pub(crate) fn opening_intervals(&self, date: NaiveDate) -> Vec<Interval> {
        let zone = self.calendar.zone;
        self.calendar
            .hours
            .on(date.weekday())
            .iter()
            .filter_map(|r| Interval::non_empty(r.opens_at(zone, date), r.closes_at(zone, date)))
            .collect()
    }

    /// Every grid start on `date` that exists in the clinic's zone (no
    /// skipped or repeated local time is offered) and whose whole chair
    /// interval lies inside one opening range. In time order.
    pub(crate) fn fitting_starts(&self, date: NaiveDate, duration: Duration) -> Vec<FittingStart> {
        let zone = self.calendar.zone;
        let grid = self.calendar.start_grid_minutes;
        // Fast path: on a day whose UTC offset is the same from midnight to
        // midnight, no local time is skipped or repeated, so wall-clock maps
        // to instants by one subtraction. On the few days with a change,
        // every start is resolved (and skipped or repeated ones dropped).
        let offset_at = |t: DateTime<Utc>| zone.offset_from_utc_datetime(&t.naive_utc()).fix();
        let Some(next_day) = date.succ_opt() else {
            return Vec::new(); // the last day chrono knows: nothing fits after it
        };
        let day_start = start_of_local_day(zone, date);
        let day_end = start_of_local_day(zone, next_day);
        let steady = offset_at(day_start) == offset_at(day_end - Duration::seconds(1));
        let offset = Duration::seconds(i64::from(offset_at(day_start).local_minus_utc()));
        let mut starts = Vec::new();
        for range in self.calendar.hours.on(date.weekday()) {
            let open = range.opens_at(zone, date);
            let close = range.closes_at(zone, date);
            let opens_min = range.opens.num_seconds_from_midnight().div_ceil(60);
            let mut minute = opens_min.div_ceil(grid) * grid;
            while minute < 24 * 60 {
                let local_time = NaiveTime::from_num_seconds_from_midnight_opt(minute * 60, 0)
                    .expect("minute of day");
                if local_time >= range.closes {
                    break;
                }
                minute += grid;
                let local = date.and_time(local_time);
                let start = if steady {
                    DateTime::from_naive_utc_and_offset(local - offset, Utc)
                } else {
                    match resolve_local(zone, local, Disambiguation::Reject) {
                        Ok(t) => t,
                        Err(_) => continue, // never guess a skipped or repeated time
                    }
                };
                let end = start + duration;
                if start < open || end > close {
                    if end > close {
                        break;
                    }
                    continue;
                }
                starts.push(FittingStart {
                    local_time,
                    interval: Interval::new(start, end),
                });
            }
        }
        starts
    }

    /// Whether a clinic-wide closure touches the interval.
    pub(crate) fn clinic_closed(&self, interval: &Interval) -> bool {
        self.clinic_closed.overlaps(interval)
    }

    /// Whether a closure of this chair (or of the clinic) touches the interval.
    pub(crate) fn chair_closed(&self, chair: ChairId, interval: &Interval) -> bool {
        self.clinic_closed(interval)
            || self
                .chair_closed
                .get(&chair)
                .is_some_and(|set| set.overlaps(interval))
    }

    /// The grid slot a start falls in, as instants `[from, to)`.
    pub(crate) fn grid_slot(
        &self,
        start: DateTime<Utc>,
        local_time: NaiveTime,
    ) -> (DateTime<Utc>, DateTime<Utc>) {
        let grid = i64::from(self.calendar.start_grid_minutes);
        let into_slot = i64::from(local_time.num_seconds_from_midnight()) % (grid * 60);
        let from = start - Duration::seconds(into_slot);
        (from, from + Duration::minutes(grid))
    }

    /// Whether one more session may start at this time under the start cap.
    pub(crate) fn start_allowed(&self, start: DateTime<Utc>, local_time: NaiveTime) -> bool {
        match self.calendar.max_starts_per_slot {
            None => true,
            Some(cap) => {
                let (from, to) = self.grid_slot(start, local_time);
                self.occupancy.starts_within(from, to) < cap
            }
        }
    }

    /// The first chair, in the calendar's stable order, that can host the
    /// modality and is free and open for the interval; otherwise the reason.
    pub(crate) fn free_chair(
        &self,
        interval: &Interval,
        modality: Modality,
    ) -> Result<ChairId, Rule> {
        let mut reason = Rule::NoSuitableChair;
        for chair in self.calendar.chairs.iter().filter(|c| c.can_host(modality)) {
            if self.chair_closed(chair.id, interval) {
                if reason == Rule::NoSuitableChair {
                    reason = Rule::Closure;
                }
            } else if self.occupancy.is_free(chair.id, interval) {
                return Ok(chair.id);
            } else {
                reason = Rule::ChairsFull;
            }
        }
        Err(reason)
    }

    /// The closures of this chair (and of the clinic) that touch `window`.
    pub(crate) fn closed_within(&self, chair: ChairId, window: Interval) -> Vec<Interval> {
        let mut closed = self.clinic_closed.touching(window);
        if let Some(set) = self.chair_closed.get(&chair) {
            closed.extend(set.touching(window));
        }
        closed
    }

    /// Whether no live session holds the chair during the interval.
    pub(crate) fn chair_is_free(&self, chair: ChairId, interval: &Interval) -> bool {
        self.occupancy.is_free(chair, interval)
    }

    /// Whether any active chair can host the modality at all.
    pub(crate) fn has_chair_for(&self, modality: Modality) -> bool {
        self.calendar.chairs.iter().any(|c| c.can_host(modality))
    }

    /// The best start on one local date for this patient: the smallest
    /// distance from the preferred start, then the earliest; the first free
    /// chair in stable order. Otherwise the rule that blocks the whole day.
    pub(crate) fn best_slot_on(
        &self,
        date: NaiveDate,
        need: &Need,
        preferences: &PatientPreferences,
    ) -> Result<Slot, Rule> {
        let fitting = self.fitting_starts(date, need.duration);
        if fitting.is_empty() {
            return Err(Rule::OpeningHours);
        }
        let mut candidates: Vec<(u32, FittingStart)> = fitting
            .into_iter()
            .filter(|s| preferences.allows_start(s.local_time))
            .map(|s| (preferences.distance_minutes(s.local_time), s))
            .collect();
        if candidates.is_empty() {
            return Err(Rule::PatientWindow);
        }
        // Stable sort: equal distances stay in time order (earliest first).
        candidates.sort_by_key(|(distance, _)| *distance);
        let coverage = (!need.staff.is_empty())
            .then(|| self.coverage_on(date, date))
            .flatten();
        let mut reason = Rule::NoSuitableChair;
        for (distance, start) in candidates {
            if !self.start_allowed(start.interval.start, start.local_time) {
                reason = reason.min_by_priority(Rule::StartsPerSlot);
                continue;
            }
            match self.free_chair(&start.interval, need.modality) {
                Ok(chair) => {
                    // Staff last: a free chair is cheap to find, coverage is not.
                    if let Some(coverage) = &coverage {
                        let at = start.interval.start;
                        if self
                            .staff_shortfall(coverage, at, &need.chair_time, &need.staff)
                            .is_err()
                        {
                            reason = reason.min_by_priority(Rule::StaffCoverage);
                            continue;
                        }
                    }
                    return Ok(Slot {
                        chair,
                        interval: start.interval,
                        local_date: date,
                        local_time: start.local_time,
                        distance_minutes: distance,
                    });
                }
                Err(rule) => reason = reason.min_by_priority(rule),
            }
        }
        Err(reason)
    }
}

impl Rule {
    /// Of two reasons a day is blocked, the one that tells the front desk
    /// most: "chairs full" beats "no staff" beats "start cap" beats "closed".
    fn min_by_priority(self, other: Rule) -> Rule {
        let rank = |r: Rule| match r {
            Rule::ChairsFull => 0,
            Rule::StaffCoverage => 1,
            Rule::StartsPerSlot => 2,
            Rule::Closure => 3,
            _ => 4,
        };
        if rank(other) < rank(self) {
            other
        } else {
            self
        }
    }
}
