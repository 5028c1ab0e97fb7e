//! The planner's questions about staff: who is on the floor on a day,
//! whether one more session at a start would leave anyone uncovered, and
//! which booked sessions a change of shifts would leave uncovered.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::coverage::{Coverage, Shortfall};
use super::needs::{loads, StaffNeed};
use crate::calendar::ClinicCalendar;
use crate::error::EngineError;
use crate::local_time::to_local;
use crate::occupancy::{Interval, Occupancy};
use crate::planner::Planner;
use crate::protocol::ChairTime;

impl Planner<'_> {
    /// The staff on the floor on local dates `first..=last`, or `None` when
    /// the clinic plans on chairs alone.
    pub(crate) fn coverage_on(&self, first: NaiveDate, last: NaiveDate) -> Option<Coverage> {
        let staffing = &self.calendar.staffing;
        staffing
            .applies()
            .then(|| Coverage::new(staffing.duty(self.calendar.zone, first, last)))
    }

    /// The staff on the floor around one interval (its local dates).
    pub(crate) fn coverage_around(&self, interval: &Interval) -> Option<Coverage> {
        let zone = self.calendar.zone;
        let first = to_local(zone, interval.start).date();
        let last = to_local(zone, interval.end).date();
        self.coverage_on(first, last)
    }

    /// Whether a session starting at `start` with this chair time and these
    /// needs keeps every patient covered, those booked and itself.
    pub(crate) fn staff_shortfall(
        &self,
        coverage: &Coverage,
        start: DateTime<Utc>,
        chair_time: &ChairTime,
        needs: &[StaffNeed],
    ) -> Result<(), Shortfall> {
        let new = loads(start, chair_time, needs);
        let Some(span) = Interval::non_empty(start, start + chair_time.total()) else {
            return Ok(());
        };
        coverage.check(self.occupancy.loads_overlapping(span), &new)
    }
}

/// A booked session as staff coverage sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookedCare {
    pub start: DateTime<Utc>,
    pub chair_time: ChairTime,
    pub needs: Vec<StaffNeed>,
}

/// Which booked sessions the calendar's staff cannot cover, with where each
/// falls short. Sessions are taken in time order, each on top of those
/// before it, so the one reported is the one that no longer fits — the
/// session a front desk would move. Returns indices into `sessions`.
pub fn uncovered(
    calendar: &ClinicCalendar,
    sessions: &[BookedCare],
) -> Result<Vec<(usize, Shortfall)>, EngineError> {
    calendar.validate()?;
    let staffing = &calendar.staffing;
    if !staffing.applies() {
        return Ok(Vec::new());
    }
    let mut order: Vec<usize> = (0..sessions.len()).collect();
    order.sort_by_key(|i| sessions[*i].start);
    let mut days: HashMap<NaiveDate, Coverage> = HashMap::new();
    let mut book = Occupancy::new();
    let mut short = Vec::new();
    for i in order {
        let session = &sessions[i];
        let date = to_local(calendar.zone, session.start).date();
        let coverage = days
            .entry(date)
            .or_insert_with(|| Coverage::new(staffing.duty(calendar.zone, date, date)));
        let new = loads(session.start, &session.chair_time, &session.needs);
        let Some(span) =
            Interval::non_empty(session.start, session.start + session.chair_time.total())
        else {
            continue;
        };
        if let Err(shortfall) = coverage.check(book.loads_overlapping(span), &new) {
            short.push((i, shortfall));
        }
        book.add_loads(new);
    }
    Ok(short)
}
