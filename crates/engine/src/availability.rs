//! Availability: the open start times per chair for a date range, for the
//! front desk's "what's open on Thursday?".

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{ChairId, Modality};
use crate::dates;
use crate::error::EngineError;
use crate::planner::Planner;
use crate::protocol::ChairTime;
use crate::staff::StaffNeed;

/// The longest date range one availability query may cover.
pub const MAX_AVAILABILITY_DAYS: i64 = 62;

/// A query for open starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailabilityRequest {
    /// The treatment (decides which chairs).
    pub modality: Modality,
    /// The chair time a session needs.
    pub chair_time: ChairTime,
    /// First local date, inclusive.
    pub from: NaiveDate,
    /// Last local date, inclusive.
    pub to: NaiveDate,
    /// The protocol's own staffing, if it has one (else the modality's preset).
    #[serde(default)]
    pub staffing: Option<Vec<StaffNeed>>,
}

/// One chair free for a whole session from this start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenStart {
    pub chair: ChairId,
    /// Start of the chair interval.
    pub start: DateTime<Utc>,
    /// End of the chair interval.
    pub end: DateTime<Utc>,
    pub local_date: NaiveDate,
    /// Local wall-clock start.
    pub local_time: NaiveTime,
}

impl Planner<'_> {
    /// Every (chair, start) where a whole session fits: inside opening hours,
    /// outside closures, on a free chair, under the start cap, with the staff
    /// on shift able to cover it. Ordered by date, time, then the chairs'
    /// stable order.
    pub fn availability(
        &self,
        request: &AvailabilityRequest,
    ) -> Result<Vec<OpenStart>, EngineError> {
        let days = checked_days(request)?;
        let duration = request.chair_time.total();
        let chairs: Vec<_> = self
            .calendar
            .chairs
            .iter()
            .filter(|c| c.can_host(request.modality))
            .collect();
        let needs = (self.calendar.staffing)
            .needs_for_modality(request.modality, request.staffing.as_deref());
        let mut open = Vec::new();
        for offset in 0..=days {
            let date = request.from + Duration::days(offset);
            let coverage = self.coverage_on(date, date);
            for start in self.fitting_starts(date, duration) {
                let interval = start.interval;
                if self.clinic_closed(&interval)
                    || !self.start_allowed(interval.start, start.local_time)
                    || coverage.as_ref().is_some_and(|c| {
                        let at = interval.start;
                        self.staff_shortfall(c, at, &request.chair_time, &needs)
                            .is_err()
                    })
                {
                    continue;
                }
                for chair in &chairs {
                    if !self.chair_closed(chair.id, &interval)
                        && self.occupancy.is_free(chair.id, &interval)
                    {
                        open.push(OpenStart {
                            chair: chair.id,
                            start: interval.start,
                            end: interval.end,
                            local_date: date,
                            local_time: start.local_time,
                        });
                    }
                }
            }
        }
        Ok(open)
    }
}

/// The request's chair time and dates are valid; how many days after `from`
/// it asks about.
fn checked_days(request: &AvailabilityRequest) -> Result<i64, EngineError> {
    request.chair_time.validate("chair_time")?;
    dates::check("from", request.from)?;
    dates::check("to", request.to)?;
    let days = (request.to - request.from).num_days();
    if days < 0 {
        return Err(EngineError::invalid(
            "to",
            "the range ends before it starts",
        ));
    }
    if days >= MAX_AVAILABILITY_DAYS {
        return Err(EngineError::invalid(
            "to",
            format!("at most {MAX_AVAILABILITY_DAYS} days per query"),
        ));
    }
    Ok(days)
}
