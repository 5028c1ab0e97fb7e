//! The day's staffing at a glance, for the day sheet: per quarter hour (the
//! clinic's start grid), how many people of each role the booked sessions
//! need at the busiest instant, and how many are on shift at the thinnest.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::coverage::{asked_per_role, Coverage};
use super::StaffRole;
use crate::local_time::to_local;
use crate::occupancy::Interval;
use crate::planner::Planner;

/// One role in one slot of the day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleCover {
    pub role: StaffRole,
    /// People the booked sessions need at the busiest instant of the slot.
    pub needed: u32,
    /// People on shift who hold the role, at the thinnest instant.
    pub on_shift: u32,
}

/// One slot of the day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoverageSlot {
    pub start: DateTime<Utc>,
    /// Local wall-clock start.
    #[serde(with = "crate::wall_clock::time")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "10:15"))]
    pub local_time: NaiveTime,
    /// Every role needed or on shift then.
    pub roles: Vec<RoleCover>,
}

impl Planner<'_> {
    /// The day's coverage in grid-sized slots over its opening hours; empty
    /// when the clinic plans on chairs alone or is closed.
    pub fn coverage_profile(&self, date: NaiveDate) -> Vec<CoverageSlot> {
        let Some(coverage) = self.coverage_on(date, date) else {
            return Vec::new();
        };
        let opening = self.opening_intervals(date);
        let (Some(open), Some(close)) = (
            opening.iter().map(|i| i.start).min(),
            opening.iter().map(|i| i.end).max(),
        ) else {
            return Vec::new();
        };
        let step = Duration::minutes(i64::from(self.calendar.start_grid_minutes));
        let mut slots = Vec::new();
        let mut start = open;
        while start < close {
            let end = (start + step).min(close);
            let roles = self.slot_cover(&coverage, Interval::new(start, end));
            slots.push(CoverageSlot {
                start,
                local_time: to_local(self.calendar.zone, start).time(),
                roles,
            });
            start = end;
        }
        slots
    }

    /// Each role's busiest need and thinnest cover within one slot.
    fn slot_cover(&self, coverage: &Coverage, day: Interval) -> Vec<RoleCover> {
        let (start, end) = (day.start, day.end);
        let loads: Vec<_> = self.occupancy.loads_overlapping(day).collect();
        let mut instants: Vec<DateTime<Utc>> = loads
            .iter()
            .flat_map(|l| [l.interval.start, l.interval.end])
            .filter(|t| start <= *t && *t < end)
            .chain(coverage.changes_within(start, end))
            .chain([start])
            .collect();
        instants.sort_unstable();
        instants.dedup();
        let mut roles: Vec<RoleCover> = StaffRole::ALL
            .iter()
            .map(|role| RoleCover {
                role: *role,
                needed: 0,
                on_shift: u32::MAX,
            })
            .collect();
        for t in instants {
            let active = loads
                .iter()
                .copied()
                .filter(|l| l.interval.start <= t && t < l.interval.end);
            let asked = asked_per_role(active);
            for cover in &mut roles {
                let needed = asked
                    .iter()
                    .find(|(r, _)| *r == cover.role)
                    .map_or(0, |(_, n)| *n);
                let on = coverage
                    .on_floor_at(t)
                    .filter(|roles| roles.contains(&cover.role))
                    .count();
                cover.needed = cover.needed.max(needed);
                cover.on_shift = cover.on_shift.min(on as u32);
            }
        }
        roles.retain(|c| c.needed > 0 || c.on_shift > 0);
        roles
    }
}
