//! When a session holds its chair longer than booked. A patient who arrives
//! late starts late and so ends late; a dose that starts late ends its
//! monitoring late (under the REMS never before two hours from the first
//! device); a patient still in the chair past the expected end keeps it
//! until discharged. While a session is checked in, its chair is held to
//! the end these facts give, and a booking on that chair that the hold
//! reaches needs a fix: the same start on another chair, or a later start.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::availability::OpenStart;
use crate::calendar::ChairId;
use crate::monitoring::discharge::earliest_discharge;
use crate::monitoring::record::MonitoringRecord;
use crate::occupancy::Interval;
use crate::protocol::Protocol;

/// How much longer a patient still in the chair past the expected end is
/// assumed to stay: a hold never ends at *now*, since a chair offered for
/// this minute is not free.
pub const STILL_IN_THE_CHAIR_MINUTES: i64 = 15;

/// How many fixes are offered for one booking an overrun reaches.
const MOST_FIXES: usize = 24;

/// Why a session holds its chair past its booked end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OverrunCause {
    /// The patient arrived after the booked start.
    LateArrival,
    /// The dose started later than the booking planned.
    LateDose,
    /// The patient is still in the chair past the expected end.
    StillInTheChair,
}

/// How long a checked-in session holds its chair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChairHold {
    /// The chair is held until then (never before the booked end).
    pub until: DateTime<Utc>,
    /// How many minutes after the booked start the patient arrived.
    pub late_by_minutes: i64,
    /// Why the hold passes the booked end; `None` when it does not.
    pub cause: Option<OverrunCause>,
}

impl ChairHold {
    /// The time held beyond the booking, if any.
    pub fn beyond(&self, booked: Interval) -> Option<Interval> {
        Interval::non_empty(booked.end, self.until)
    }

    /// When what the session asks of staff starts: its care moves with the
    /// hold, so the nurses watching it are counted until it ends.
    pub fn care_starts(&self, booked: Interval) -> DateTime<Utc> {
        booked.start
            + self
                .beyond(booked)
                .map_or(Duration::zero(), |b| b.end - b.start)
    }
}

/// How long a checked-in session booked for `booked` holds its chair at
/// `now`, from what was recorded: the expected end is the booked end moved
/// by a late arrival, or, once the dose started, the dose's start plus the
/// protocol's treatment and monitoring (and the REMS minimum); a patient
/// still there after it holds the chair [`STILL_IN_THE_CHAIR_MINUTES`]
/// beyond now. A discharge ends the hold.
pub fn chair_held(
    booked: Interval,
    protocol: &Protocol,
    record: &MonitoringRecord,
    now: DateTime<Utc>,
) -> ChairHold {
    let late_by_minutes = record
        .arrived_at
        .map_or(0, |arrived| (arrived - booked.start).num_minutes().max(0));
    if let Some(left) = record.discharged_at {
        return ChairHold {
            until: left.max(booked.end),
            late_by_minutes,
            cause: None,
        };
    }
    let after_dose = record.dose_started_at.map(|started| {
        let chair_time = &protocol.chair_time;
        let planned = started
            + Duration::minutes(i64::from(
                chair_time.treatment_minutes + chair_time.monitoring_minutes,
            ));
        earliest_discharge(protocol, record).map_or(planned, |rems| planned.max(rems))
    });
    let expected = after_dose.unwrap_or(booked.end + Duration::minutes(late_by_minutes));
    let due = expected.max(booked.end);
    let still_there = now >= due;
    let until = if still_there {
        now + Duration::minutes(STILL_IN_THE_CHAIR_MINUTES)
    } else {
        due
    };
    let cause = if until <= booked.end {
        None
    } else if still_there {
        Some(OverrunCause::StillInTheChair)
    } else if after_dose.is_some() {
        Some(OverrunCause::LateDose)
    } else {
        Some(OverrunCause::LateArrival)
    };
    ChairHold {
        until,
        late_by_minutes,
        cause,
    }
}

/// How a booking reached by an overrun is moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FixKind {
    /// The same start on another free, covered chair.
    AnotherChair,
    /// A later start that day (any chair, the same one included).
    LaterStart,
    /// Nothing that day keeps the rules: the next best day the course's
    /// phase allows (the course's own "next best" decides it).
    AnotherDay,
}

/// One way to move a booking out of an overrun's way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fix {
    pub kind: FixKind,
    pub chair: ChairId,
    pub start: DateTime<Utc>,
}

/// The fixes for a booking on `chair` at `booked` that a hold reaches,
/// best first: its own start on another chair (while that start is still to
/// come), then the earliest later starts. `open` is the availability of the
/// booking's day with the hold counted and the booking itself left out;
/// the caller tries each fix against the course's rules and takes the
/// first they allow.
pub fn fixes(open: &[OpenStart], chair: ChairId, booked: Interval, now: DateTime<Utc>) -> Vec<Fix> {
    let same_start = open
        .iter()
        .filter(|o| booked.start >= now && o.start == booked.start && o.chair != chair)
        .map(|o| Fix {
            kind: FixKind::AnotherChair,
            chair: o.chair,
            start: o.start,
        });
    let later = open
        .iter()
        .filter(|o| o.start > booked.start && o.start >= now)
        .map(|o| Fix {
            kind: FixKind::LaterStart,
            chair: o.chair,
            start: o.start,
        });
    same_start.chain(later).take(MOST_FIXES).collect()
}
