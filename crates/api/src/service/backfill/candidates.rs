//! Who is in line for freed chair time, and asking each in turn. Each ask
//! is the candidate's course deciding, nothing written; a yes holds the
//! time for them (in a savepoint: a refusal by the database leaves the
//! transaction as it was, and the next candidate is asked).

use std::collections::HashSet;

use chairside_engine::backfill::{
    in_order, next_sessions, Beneficiary, FreedTime, OfferKind, WaitingStatus,
};
use chairside_engine::course::{Action, Placement, SessionId, SessionStatus, Target};
use chairside_engine::local_time::local_date;
use chairside_store::models::{self as m, NewOffer};
use chairside_store::repo::held_times::NewHeldTime;
use chairside_store::repo::sessions::SessionFilter;
use chairside_store::{in_savepoint, repo, DbConnection};
use chrono::{DateTime, Duration, Utc};

use crate::auth::Caller;
use crate::dto::course::PlanCourse;
use crate::error::ApiError;
use crate::service::course::act::Asking;
use crate::service::course::book;

/// How far after the freed time a course's next session may be to move
/// earlier into it.
const EARLIER_WITHIN_DAYS: i64 = 28;
/// At most this many at-risk courses and waiting patients are read.
const READ_AT_MOST: i64 = 20;

/// Everyone who may gain from `freed`, first first, leaving out whoever
/// was already offered it.
pub(super) fn in_line(
    conn: &mut DbConnection,
    clinic: &m::Clinic,
    freed: &FreedTime,
    now: DateTime<Utc>,
    asked: &[m::Offer],
) -> Result<Vec<Beneficiary>, ApiError> {
    let courses: HashSet<i64> = asked.iter().map(|o| o.course_id).collect();
    let entries: HashSet<i64> = asked.iter().filter_map(|o| o.waitlist_id).collect();
    let mut line: Vec<Beneficiary> =
        repo::backfill::at_risk_courses(conn, clinic.id, READ_AT_MOST)?
            .into_iter()
            .filter(|c| !courses.contains(&c.id))
            .map(|c| Beneficiary::AtRisk { course: c.id })
            .collect();
    let booked = repo::sessions::all(
        conn,
        clinic.id,
        &SessionFilter {
            range: Some((now, freed.start + Duration::days(EARLIER_WITHIN_DAYS))),
            statuses: Some(vec![SessionStatus::Booked]),
            ..SessionFilter::default()
        },
    )?;
    let upcoming = booked
        .iter()
        .filter(|s| s.starts_at >= now && !courses.contains(&s.course_id))
        .map(|s| (s.course_id, SessionId(s.id), s.starts_at));
    line.extend(next_sessions(upcoming, freed));
    line.extend(
        repo::backfill::still_waiting(conn, clinic.id, READ_AT_MOST)?
            .into_iter()
            .filter(|w| !entries.contains(&w.id))
            .map(|w| Beneficiary::Waiting {
                entry: w.id,
                since: w.since,
            }),
    );
    Ok(in_order(line))
}

/// An offer being made: of which time, from when, until when.
pub(super) struct Offering<'a> {
    pub clinic: &'a m::Clinic,
    pub freed: &'a FreedTime,
    /// Where the offered chair time starts.
    pub start: DateTime<Utc>,
    /// When the offer runs out.
    pub until: DateTime<Utc>,
    pub now: DateTime<Utc>,
    /// How long an offer holds.
    pub minutes: u32,
}

impl Offering<'_> {
    /// Asks `who`: the offer made, or `None` if their course's rules (or
    /// the database) say no.
    pub fn to(
        &self,
        conn: &mut DbConnection,
        who: Beneficiary,
    ) -> Result<Option<m::Offer>, ApiError> {
        let asked = in_savepoint(conn, |conn| match who {
            Beneficiary::AtRisk { course } => self.rescue(conn, course),
            Beneficiary::Earlier {
                course, session, ..
            } => self.earlier(conn, course, session),
            Beneficiary::Waiting { entry, .. } => self.first_course(conn, entry),
        });
        match asked {
            Ok(offer) => Ok(Some(offer)),
            Err(no) if is_no(&no) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// The owed dose of an at-risk course booked in the freed time, else
    /// its next booked dose moved there — if that brings it back inside
    /// its rules.
    fn rescue(&self, conn: &mut DbConnection, course: i64) -> Result<m::Offer, ApiError> {
        let chair = self.freed.chair;
        let add = Action::Rescue {
            chair,
            start: self.start,
            moving: None,
        };
        if let Ok(decision) = self.ask(conn, course, &add)? {
            if let Some(dose) = decision
                .bookings
                .iter()
                .find(|b| b.placement.chair == chair && b.placement.start == self.start)
            {
                let (phase, sequence) = (dose.phase as i32, dose.sequence as i32);
                return self.hold(
                    conn,
                    OfferKind::Rescue,
                    course,
                    (phase, sequence),
                    dose.placement,
                    None,
                );
            }
        }
        let next = repo::sessions::for_course(conn, self.clinic.id, course)?
            .into_iter()
            .filter(|s| s.status == SessionStatus::Booked && s.starts_at > self.now)
            .min_by_key(|s| s.starts_at)
            .ok_or_else(no_gain)?;
        let moving = SessionId(next.id);
        let by_move = Action::Rescue {
            chair,
            start: self.start,
            moving: Some(moving),
        };
        let decision = self.ask(conn, course, &by_move)??;
        let placement = decision.placement_of(moving).ok_or_else(no_gain)?;
        let number = (next.phase_index, next.sequence);
        self.hold(
            conn,
            OfferKind::Rescue,
            course,
            number,
            placement,
            Some(next.id),
        )
    }

    /// A course's next session moved earlier into the freed time.
    fn earlier(
        &self,
        conn: &mut DbConnection,
        course: i64,
        session: SessionId,
    ) -> Result<m::Offer, ApiError> {
        let action = Action::Reschedule {
            session,
            to: Target::At {
                chair: Some(self.freed.chair),
                start: self.start,
            },
            reason: "moved earlier into freed chair time".into(),
            override_reason: None,
        };
        let decision = self.ask(conn, course, &action)??;
        let placement = decision.placement_of(session).ok_or_else(no_gain)?;
        let row = repo::sessions::get(conn, self.clinic.id, session.0)?;
        let number = (row.phase_index, row.sequence);
        self.hold(
            conn,
            OfferKind::Earlier,
            course,
            number,
            placement,
            Some(session.0),
        )
    }

    /// A patient on the waiting list: a course planned from the freed
    /// time's day and held, if its first session is in the freed time.
    fn first_course(&self, conn: &mut DbConnection, entry: i64) -> Result<m::Offer, ApiError> {
        let waiting = repo::backfill::get_waiting(conn, self.clinic.id, entry)?;
        let request = PlanCourse {
            patient_id: waiting.patient_id,
            protocol_id: waiting.protocol_id,
            earliest: local_date(self.clinic.time_zone, self.start),
            first_within_days: Some(0),
            preferences: None,
            hold_minutes: Some(i64::from(self.minutes)),
        };
        let caller = Caller::system(format!("backfill-waitlist-{entry}"));
        let course = book::book(conn, &caller, self.clinic.id, &request, self.now)?;
        let first = course.sessions.first().ok_or_else(no_gain)?;
        let in_freed = first.chair_id == self.freed.chair.0
            && first.start < self.freed.end
            && self.freed.start < first.end;
        if !in_freed {
            return Err(no_gain());
        }
        repo::backfill::set_waiting(
            conn,
            self.clinic.id,
            entry,
            waiting.version,
            WaitingStatus::Offered,
            Some(course.id),
        )?;
        let offer = self.offer(
            OfferKind::FirstCourse,
            course.id,
            (first.chair_id, first.start, first.end),
        );
        Ok(repo::backfill::offer(
            conn,
            self.clinic.id,
            &NewOffer {
                waitlist_id: Some(entry),
                expires_at: course.held_until.unwrap_or(self.until),
                ..offer
            },
        )?)
    }

    /// The course's answer to `action` now, nothing written.
    fn ask(
        &self,
        conn: &mut DbConnection,
        course: i64,
        action: &Action,
    ) -> Result<Result<chairside_engine::course::Decision, ApiError>, ApiError> {
        let asking = Asking::load(
            conn,
            self.clinic.id,
            course,
            action,
            self.now,
            |_, _, _, _| Ok(()),
        )?;
        Ok(asking
            .answer(action, chairside_engine::Role::System, self.now)?
            .map_err(ApiError::from))
    }

    /// Holds `placement` for `course` and records the offer.
    fn hold(
        &self,
        conn: &mut DbConnection,
        kind: OfferKind,
        course: i64,
        (phase, sequence): (i32, i32),
        placement: Placement,
        moves: Option<i64>,
    ) -> Result<m::Offer, ApiError> {
        let patient_id = repo::courses::get(conn, self.clinic.id, course)?.patient_id;
        let held = repo::held_times::hold(
            conn,
            self.clinic.id,
            &NewHeldTime {
                course_id: course,
                patient_id,
                phase,
                sequence,
                placement,
                until: self.until,
                moves,
            },
        )?;
        let offer = self.offer(
            kind,
            course,
            (placement.chair.0, placement.start, placement.end),
        );
        Ok(repo::backfill::offer(
            conn,
            self.clinic.id,
            &NewOffer {
                session_id: moves,
                held_session_id: Some(held.id),
                ..offer
            },
        )?)
    }

    fn offer(
        &self,
        kind: OfferKind,
        course: i64,
        (chair, start, end): (i64, DateTime<Utc>, DateTime<Utc>),
    ) -> NewOffer {
        NewOffer {
            kind,
            chair_id: chair,
            starts_at: start,
            ends_at: end,
            freed_starts_at: self.freed.start,
            freed_ends_at: self.freed.end,
            course_id: course,
            session_id: None,
            held_session_id: None,
            waitlist_id: None,
            expires_at: self.until,
        }
    }
}

/// The candidate does not gain (the rules say no, or the time is not
/// theirs to take): the next is asked.
fn no_gain() -> ApiError {
    ApiError::Conflict {
        kind: crate::problem_kind::ProblemKind::ChairTaken,
        detail: "the freed time is not this candidate's to take".into(),
    }
}

/// A refusal that means "not this one", not a failure.
fn is_no(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::Refused(_)
            | ApiError::Violations(_)
            | ApiError::Infeasible(_)
            | ApiError::Conflict { .. }
            | ApiError::Invalid { .. }
            | ApiError::PreconditionFailed(_)
            | ApiError::NotFound(_)
    )
}
