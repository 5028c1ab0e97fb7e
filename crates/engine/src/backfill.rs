//! Backfill: chair time that frees up — a cancellation, a no-show, a move,
//! a patient discharged before the chair time booked for them ended — is
//! offered to the one who gains most from it within their course's rules:
//!
//! 1. an **at-risk** course that the time brings back inside its rules
//!    (a dose it lacked, booked there: [`crate::course::Action::Rescue`]);
//! 2. a course whose **next session could move earlier** to it, the one
//!    that gains most time first (a reschedule, judged like any other);
//! 3. a patient **waiting for a first course**, longest waiting first (a
//!    course planned from that day, its first session in the freed time).
//!
//! An offer holds the time for its beneficiary until it runs out, so no
//! one else takes it meanwhile; accepting applies it in one call, and an
//! offer that runs out or is declined passes the time to the next in line.
//! Whether each candidate's course allows the move is the course's own
//! decider's answer; this file says what is freed, who comes first, and
//! where in the freed time an offer starts.

use chrono::{DateTime, Duration, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

use crate::calendar::ChairId;
use crate::course::{Course, Decision, SessionId, SessionStatus};
use crate::local_time::{resolve_local, to_local, Disambiguation};
use crate::names::named_enum;

/// The longest an offer may wait for an answer: it holds chair time like
/// any hold, and a patient decides in minutes, not hours.
pub const MAX_OFFER_MINUTES: u32 = crate::course::MAX_HOLD_MINUTES as u32;

/// Chair time that a change left free, from the moment it was freed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FreedTime {
    pub chair: ChairId,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

named_enum! {
    /// Who an offer of freed chair time is for, in the order they come.
    pub enum OfferKind as "offer kind" {
        /// An at-risk course the time brings back inside its rules.
        Rescue => "rescue",
        /// A course whose next session moves earlier into the time.
        Earlier => "earlier",
        /// A patient waiting for a first course.
        FirstCourse => "first_course",
    }
}

named_enum! {
    /// Where an offer is in its life.
    pub enum OfferStatus as "offer status" {
        /// Holding the time, waiting for an answer.
        Open => "open",
        /// Taken: the move or booking it held is made.
        Accepted => "accepted",
        /// Turned down: the time goes to the next in line.
        Declined => "declined",
        /// Not answered in time: the time goes to the next in line.
        Expired => "expired",
    }
}

named_enum! {
    /// Where a patient on the waiting list is.
    pub enum WaitingStatus as "waiting status" {
        /// Waiting for a first course.
        Waiting => "waiting",
        /// Freed time is offered to them now.
        Offered => "offered",
        /// Their course is booked.
        Booked => "booked",
        /// Taken off the list.
        Withdrawn => "withdrawn",
    }
}

/// Someone who may gain from freed chair time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Beneficiary {
    /// An at-risk course.
    AtRisk { course: i64 },
    /// A course whose next booked session starts after the freed time.
    Earlier {
        course: i64,
        session: SessionId,
        /// When that session starts now.
        starts: DateTime<Utc>,
    },
    /// A waiting-list entry.
    Waiting { entry: i64, since: DateTime<Utc> },
}

impl Beneficiary {
    /// What an offer to them is.
    pub fn kind(&self) -> OfferKind {
        match self {
            Beneficiary::AtRisk { .. } => OfferKind::Rescue,
            Beneficiary::Earlier { .. } => OfferKind::Earlier,
            Beneficiary::Waiting { .. } => OfferKind::FirstCourse,
        }
    }

    /// Orders beneficiaries of the same kind: at-risk courses oldest first
    /// (by id), moves by time gained (most first), the waiting list by
    /// time on it (longest first).
    fn within_kind(&self) -> (i64, i64) {
        match *self {
            Beneficiary::AtRisk { course } => (course, 0),
            Beneficiary::Earlier { course, starts, .. } => (-starts.timestamp(), course),
            Beneficiary::Waiting { entry, since } => (since.timestamp(), entry),
        }
    }
}

/// Who comes first for freed time: at-risk courses, then courses whose
/// next session moves earlier (most time gained first), then the waiting
/// list (longest waiting first).
pub fn in_order(mut candidates: Vec<Beneficiary>) -> Vec<Beneficiary> {
    candidates.sort_by_key(|b| (b.kind(), b.within_kind()));
    candidates
}

/// The courses whose next booked session starts after `freed` begins, from
/// booked sessions `(course, session, start)` in any order: only each
/// course's next session may move earlier (moving a later one would put
/// two doses out of order).
pub fn next_sessions(
    booked: impl IntoIterator<Item = (i64, SessionId, DateTime<Utc>)>,
    freed: &FreedTime,
) -> Vec<Beneficiary> {
    let mut next: std::collections::BTreeMap<i64, (SessionId, DateTime<Utc>)> =
        std::collections::BTreeMap::new();
    for (course, session, start) in booked {
        let earliest = next.entry(course).or_insert((session, start));
        if start < earliest.1 {
            *earliest = (session, start);
        }
    }
    next.into_iter()
        .filter(|(_, (_, starts))| *starts > freed.start)
        .map(|(course, (session, starts))| Beneficiary::Earlier {
            course,
            session,
            starts,
        })
        .collect()
}

/// The chair time `decision` frees on `before`, from `now` on: a booking
/// cancelled, missed, entered in error or moved frees the time it held; a
/// patient discharged before their chair time ended frees the rest of it.
/// A held course let go frees nothing (nobody had that time).
pub fn freed_by(before: &Course, decision: &Decision, now: DateTime<Utc>) -> Vec<FreedTime> {
    let mut freed = Vec::new();
    if before.held_until.is_some() {
        // A held course's sessions were never booked: letting them go
        // frees nothing anyone lost.
        return freed;
    }
    for update in &decision.updates {
        let Some(session) = before.session(update.session) else {
            continue;
        };
        let holding = matches!(
            session.status,
            SessionStatus::Booked | SessionStatus::CheckedIn
        );
        let let_go = update.status.is_some_and(|(_, to)| !to.is_live());
        let moved = update.placement.is_some_and(|p| {
            (p.chair, p.start, p.end) != (session.chair, session.start, session.end)
        });
        if holding && (let_go || moved) {
            freed.push(FreedTime {
                chair: session.chair,
                start: session.start,
                end: session.end,
            });
        }
    }
    if let Some(discharge) = &decision.discharge {
        if let Some(session) = before.session(discharge.session) {
            freed.push(FreedTime {
                chair: session.chair,
                start: discharge.at,
                end: session.end,
            });
        }
    }
    freed
        .into_iter()
        .map(|f| FreedTime {
            start: f.start.max(now),
            ..f
        })
        .filter(|f| f.start < f.end)
        .collect()
}

/// Where an offer in `freed` starts: the first start on the clinic's grid
/// (`grid_minutes` from local midnight) at or after the time is freed,
/// before it ends. The chair time a course needs may run past the freed
/// time: whether the chair is free for it is the course's decider's answer.
pub fn first_start(freed: &FreedTime, grid_minutes: u32, zone: Tz) -> Option<DateTime<Utc>> {
    let grid = grid_minutes.max(1);
    let local = to_local(zone, freed.start);
    let minute = local.time().num_seconds_from_midnight().div_ceil(60);
    let aligned = i64::from(minute.div_ceil(grid) * grid);
    let day = local.date().and_time(NaiveTime::MIN);
    let start = resolve_local(
        zone,
        day + Duration::minutes(aligned),
        Disambiguation::Earlier,
    )
    .ok()?;
    (start >= freed.start && start < freed.end).then_some(start)
}

/// When an offer made at `now` for `minutes` runs out; `None` if the time
/// starts before that (an offer must leave the patient time to come).
pub fn offer_until(
    now: DateTime<Utc>,
    minutes: u32,
    start: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let until = now + Duration::minutes(i64::from(minutes));
    (until < start).then_some(until)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
    }

    #[test]
    fn at_risk_courses_come_first_then_the_most_time_gained_then_the_longest_waiting() {
        let order = in_order(vec![
            Beneficiary::Waiting {
                entry: 1,
                since: at(8, 0),
            },
            Beneficiary::Earlier {
                course: 5,
                session: SessionId(50),
                starts: at(9, 0),
            },
            Beneficiary::Waiting {
                entry: 2,
                since: at(7, 0),
            },
            Beneficiary::Earlier {
                course: 6,
                session: SessionId(60),
                starts: at(15, 0),
            },
            Beneficiary::AtRisk { course: 9 },
        ]);
        let kinds: Vec<String> = order
            .iter()
            .map(|b| match b {
                Beneficiary::AtRisk { course } => format!("risk {course}"),
                Beneficiary::Earlier { course, .. } => format!("earlier {course}"),
                Beneficiary::Waiting { entry, .. } => format!("waiting {entry}"),
            })
            .collect();
        assert_eq!(
            kinds,
            ["risk 9", "earlier 6", "earlier 5", "waiting 2", "waiting 1"]
        );
    }

    #[test]
    fn only_a_courses_next_session_moves_and_only_if_it_is_later() {
        let freed = FreedTime {
            chair: ChairId(1),
            start: at(10, 0),
            end: at(12, 0),
        };
        let found = next_sessions(
            [
                (1, SessionId(11), at(14, 0)),
                (1, SessionId(10), at(13, 0)),
                (2, SessionId(20), at(9, 0)),
                (2, SessionId(21), at(15, 0)),
            ],
            &freed,
        );
        assert_eq!(
            found,
            [Beneficiary::Earlier {
                course: 1,
                session: SessionId(10),
                starts: at(13, 0)
            }]
        );
    }

    #[test]
    fn an_offer_starts_on_the_grid_inside_the_freed_time() {
        let zone: Tz = "America/New_York".parse().unwrap();
        let freed = FreedTime {
            chair: ChairId(1),
            start: at(14, 7), // 09:07 in New York
            end: at(16, 0),
        };
        assert_eq!(first_start(&freed, 15, zone), Some(at(14, 15)));
        let tiny = FreedTime {
            end: at(14, 10),
            ..freed
        };
        assert_eq!(first_start(&tiny, 15, zone), None);
    }

    #[test]
    fn an_offer_must_run_out_before_the_time_starts() {
        assert_eq!(offer_until(at(9, 0), 30, at(10, 0)), Some(at(9, 30)));
        assert_eq!(offer_until(at(9, 0), 30, at(9, 20)), None);
    }
}
