//! The calendar snapshot the engine plans against: what a clinic holds
//! over a horizon, as the engine's types ask for it. Read by
//! [`repo::calendar`](crate::repo::calendar), kept between turns by
//! [`kept`](crate::kept).

use std::collections::HashMap;

use chairside_engine::course::SessionStatus;
use chairside_engine::monitoring::{chair_held, ChairHold, MonitoringRecord};
use chairside_engine::staff::needs::loads;
use chairside_engine::{
    Booking, Chair as EngineChair, ChairId, ClinicCalendar, Closure as EngineClosure, ClosureScope,
    Interval, Occupancy, Protocol, Staffing,
};
use chrono::{DateTime, Utc};

use super::{Chair, Clinic, Closure, StaffMember, TakenTime};

/// Everything the engine needs to plan in a clinic over a horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarSnapshot {
    /// The clinic (zone, opening hours, settings).
    pub clinic: Clinic,
    /// Its chairs, in stable order (position, id).
    pub chairs: Vec<Chair>,
    pub closures: Vec<Closure>,
    /// The chair time of the live sessions overlapping the horizon, by
    /// start.
    pub sessions: Vec<TakenTime>,
    /// Active staff members if the clinic plans with staff; none means it
    /// plans on chairs alone.
    pub staff: Vec<StaffMember>,
    /// The protocol of each course with a session in the horizon (by course
    /// id), read when staff applies (it says what each session asks of
    /// them) and for sessions checked in (it says how long they stay).
    pub protocols: HashMap<i64, Protocol>,
    /// What was recorded at the sessions checked in now, by session id: they
    /// hold their chairs as long as it says (see [`CalendarSnapshot::hold`]).
    pub in_the_chair: HashMap<i64, MonitoringRecord>,
}

impl CalendarSnapshot {
    /// The clinic's calendar as the engine plans on it: zone, hours,
    /// closures, chairs in their stable order, start grid and cap.
    pub fn calendar(&self) -> ClinicCalendar {
        let settings = &self.clinic.settings;
        ClinicCalendar {
            zone: self.clinic.time_zone,
            hours: self.clinic.opening_hours.clone(),
            closures: self
                .closures
                .iter()
                .map(|c| EngineClosure {
                    scope: match c.chair_id {
                        Some(id) => ClosureScope::Chair(ChairId(id)),
                        None => ClosureScope::Clinic,
                    },
                    span: c.span,
                })
                .collect(),
            chairs: self
                .chairs
                .iter()
                .map(|c| EngineChair {
                    id: ChairId(c.id),
                    modalities: c.modalities.clone(),
                    active: c.active,
                })
                .collect(),
            start_grid_minutes: settings.start_grid_minutes,
            max_starts_per_slot: settings.max_starts_per_slot,
            staffing: self.staffing(),
        }
    }

    /// The clinic's staff and its own ratios, as the planner counts them.
    pub fn staffing(&self) -> Staffing {
        Staffing {
            members: self.staff.iter().map(StaffMember::on_the_floor).collect(),
            ratios: self.clinic.settings.staff_ratios.clone(),
        }
    }

    /// How long a checked-in session holds its chair at `now` (the
    /// engine's [`chair_held`]); `None` for any other session.
    pub fn hold(&self, session: &TakenTime, now: DateTime<Utc>) -> Option<ChairHold> {
        if session.status != SessionStatus::CheckedIn {
            return None;
        }
        let protocol = self.protocols.get(&session.course_id)?;
        let record = self
            .in_the_chair
            .get(&session.id)
            .cloned()
            .unwrap_or_default();
        let booked = Interval::new(session.starts_at, session.ends_at);
        Some(chair_held(booked, protocol, &record, now))
    }

    /// The chairs the live sessions hold at `now`, leaving out one course's
    /// (the engine knows a course's own sessions when it decides on it). A
    /// session running over holds its chair beyond the booking, and what it
    /// asks of staff moves with it.
    pub fn occupancy_without(&self, course: Option<i64>, now: DateTime<Utc>) -> Occupancy {
        let mut book = Occupancy::new();
        let staffing = self.staffing();
        // A course's own held time (a portal's, an offer's) is not one of
        // its sessions: it holds its chair against the course too.
        let others = self
            .sessions
            .iter()
            .filter(|s| Some(s.course_id) != course || s.held_until.is_some());
        for session in others {
            let chair = ChairId(session.chair_id);
            let booked = Interval::new(session.starts_at, session.ends_at);
            book.add(Booking {
                chair,
                interval: booked,
            });
            let hold = self.hold(session, now);
            if let Some(beyond) = hold.and_then(|h| h.beyond(booked)) {
                book.hold(chair, beyond);
            }
            if staffing.applies() {
                if let Some(protocol) = self.protocols.get(&session.course_id) {
                    let needs = staffing.needs_for(protocol);
                    let start = hold.map_or(session.starts_at, |h| h.care_starts(booked));
                    book.add_loads(loads(start, &protocol.chair_time, &needs));
                }
            }
        }
        book
    }
}
